import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The repository root (the folder with package.json above this file, compiled or not). */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts'))) return dir;
  }
  throw new Error('repository root not found');
}

/**
 * Every line a child process wrote on stdout and stderr, in memory so a suite can scan them
 * (e.g. for secrets). Bounded: past `maxBytes` the oldest lines are dropped and counted, so a
 * scan knows it did not see everything.
 */
export class CapturedOutput {
  readonly lines: string[] = [];
  droppedLines = 0;
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  /** Splits a stream into whole lines: a line cut across two chunks is kept as one line. */
  follow(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.push(line);
    });
    stream.on('end', () => {
      if (partial) this.push(partial);
      partial = '';
    });
  }

  private push(line: string): void {
    if (!line) return;
    this.lines.push(line);
    this.bytes += line.length;
    while (this.bytes > this.maxBytes && this.lines.length > 1) {
      this.bytes -= this.lines.shift()!.length;
      this.droppedLines++;
    }
  }
}

export interface RunningProcess {
  child: ChildProcess;
  /** The lines captured so far (stdout and stderr interleaved), the same array as `captured.lines`. */
  output: string[];
  captured: CapturedOutput;
  /** Resolves with the exit code (or signal) once the process ended and its output was read. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The node flags every app runs with (scripts/app-node-flags.cjs): those its NODE_OPTIONS does not set itself. */
export function appNodeFlags(nodeOptions: string): string[] {
  const flags = createRequire(__filename)(path.join(repoRoot(), 'scripts/app-node-flags.cjs')) as {
    appNodeFlags(nodeOptions: string): string[];
  };
  return flags.appNodeFlags(nodeOptions);
}

/**
 * Starts a compiled script (path relative to dist/) with the import aliases registered and the
 * apps' node flags, as `npm start` and the container start an app.
 */
export function startNodeProcess(distScript: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  const root = repoRoot();
  const childEnv = { ...process.env, NODE_OPTIONS: '', ...env };
  const child = spawn(
    process.execPath,
    [
      ...appNodeFlags(childEnv.NODE_OPTIONS ?? ''),
      '-r',
      path.join(root, 'scripts/register-aliases.cjs'),
      path.join(root, process.env.IDSTREAM_DIST || 'dist', distScript),
      ...args,
    ],
    { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const captured = new CapturedOutput();
  captured.follow(child.stdout);
  captured.follow(child.stderr);
  if (process.env.TEST_APP_LOGS) child.stderr.pipe(process.stderr);
  // 'close' comes after both streams ended: every line is captured when `exited` resolves.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    child,
    output: captured.lines,
    captured,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
