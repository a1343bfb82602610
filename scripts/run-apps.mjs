// Runs the four apps as separate processes with prefixed logs; Ctrl-C (or SIGTERM) stops
// them all, each draining its work first. Prints the gateway URL once it answers.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The node flags of every app (heap limits), the same wherever an app is started.
const { appNodeFlags } = createRequire(import.meta.url)('./app-node-flags.cjs');
const apps = ['auth', 'profile-projector', 'tracking-ingester', 'gateway'];
const colors = { auth: 33, 'profile-projector': 36, 'tracking-ingester': 35, gateway: 32 };
const width = Math.max(...apps.map((a) => a.length));
const children = new Map();
let stopping = false;

function prefix(app) {
  const tag = process.stdout.isTTY ? `\x1b[${colors[app]}m${app.padEnd(width)}\x1b[0m` : app.padEnd(width);
  return `${tag} | `;
}

for (const app of apps) {
  const child = spawn(process.execPath, [...appNodeFlags(), '-r', './scripts/register-aliases.cjs', `dist/apps/${app}/src/main.js`], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(app, child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(prefix(app) + line + '\n'));
  }
  child.on('exit', (code, signal) => {
    children.delete(app);
    process.stdout.write(`${prefix(app)}exited (${signal ?? code})\n`);
    if (!stopping) stop(code === 0 ? 1 : (code ?? 1));
    else if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 20_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const port = process.env.GATEWAY_PORT || '3000';
const url = process.env.PUBLIC_URL || `http://127.0.0.1:${port}`;
const deadline = Date.now() + 120_000;
(async function announce() {
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) {
        process.stdout.write(`\nidstream is up: gateway at ${url} (Ctrl-C stops everything)\n\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
})();
