// Where the time of a .cpuprofile goes: the top frames by self time, and the self time summed
// per package (node_modules/<name>, node: internals, or our own apps/ and libs/).
//   node bench/cpuprofile-top.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
let idleUs = 0;
profile.samples.forEach((id, i) => {
  // Idle time is not work: it is left out of the shares and printed on its own.
  if (byId.get(id).callFrame.functionName === '(idle)') idleUs += deltas[i] ?? 0;
  else selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (url) => {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/(apps\/[^/]+|libs\/[^/]+)\//.exec(url);
  return own ? own[1] : url;
};
const frames = new Map();
const packages = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${where(callFrame.url)}:${callFrame.lineNumber + 1}`;
  frames.set(name, (frames.get(name) ?? 0) + us);
  const pkg = callFrame.url ? where(callFrame.url) : callFrame.functionName || '(native)';
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms busy (shares below), ${(idleUs / 1000).toFixed(0)} ms idle`);
print('self time by frame', frames);
print('self time by package', packages);
