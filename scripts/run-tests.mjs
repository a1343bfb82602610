// Runs the compiled tests with Node's test runner: pure specs (*.spec.js), integration
// (*.int-spec.js) and end-to-end (test/e2e/*.e2e-spec.js). Prints the spec report, then the
// line CI reads: "N passed, N failed". A run that executes no test fails.
// With --faults it runs the fault suite instead (test/faults/*.fault-spec.js, `npm run
// test:faults`): slower, it restarts brokers and kills apps, so `npm test` leaves it out.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const faults = process.argv.includes('--faults');
const filters = process.argv.slice(2).filter((a) => a !== '--faults');
const pattern = faults ? /\.fault-spec\.js$/ : /\.(spec|int-spec|e2e-spec)\.js$/;
const dist = path.resolve(root, process.env.IDSTREAM_DIST || 'dist');

function findTests(dir, found = []) {
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, found);
    else if (pattern.test(name)) found.push(full);
  }
  return found;
}

const files = ['apps', 'libs', 'test']
  .flatMap((d) => findTests(path.join(dist, d)))
  // A compiled test whose source was deleted is left over in dist/: never run it.
  .filter((f) => existsSync(path.join(root, path.relative(dist, f)).replace(/\.js$/, '.ts')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} -r ${path.join(root, 'scripts/register-aliases.cjs')}`.trim();

const startedAt = Date.now();
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
// A fault file starts a whole system (and a broker of its own) and waits out each fault: on a
// loaded 2-core machine one took 240 s, so it gets more time than an ordinary test file.
const stream = run({ files, concurrency: Number(process.env.TEST_CONCURRENCY ?? 2), timeout: faults ? 480_000 : 240_000 });
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip || e.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (e) => {
  // A suite fails when one of its tests failed (counted there) or when a hook threw, e.g. an
  // `after` that scans for secrets: that one counts as a failure of its own.
  if (e.details?.type === 'suite' && e.details?.error?.failureType !== 'hookFailed') return;
  failed++;
  failures.push(`${e.file ? path.relative(root, e.file) + ': ' : ''}${e.name}`);
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  setImmediate(() => {
    if (failures.length) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    if (passed + failed === 0) process.stdout.write('\nno test ran: that is a failure\n');
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    if (faults) {
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      process.stdout.write(`fault run took ${seconds} s\n`);
      // The run's totals for docs/reliability.md (scripts/reliability-table.mjs), next to each fault's line.
      if (process.env.FAULTS_REPORT)
        appendFileSync(process.env.FAULTS_REPORT, JSON.stringify({ summary: { passed, failed, seconds, failures } }) + '\n');
    }
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
});
