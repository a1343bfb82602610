import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (the folder with package.json above this file, compiled or not). */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts'))) return dir;
  }
  throw new Error('repository root not found');
}

export interface RunningProcess {
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a compiled script (path relative to dist/) with the import aliases registered. */
export function startNodeProcess(distScript: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    ['-r', path.join(root, 'scripts/register-aliases.cjs'), path.join(root, process.env.IDSTREAM_DIST || 'dist', distScript), ...args],
    {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 5000) output.splice(0, output.length - 5000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  if (process.env.TEST_APP_LOGS) child.stderr.pipe(process.stderr);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    child,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
