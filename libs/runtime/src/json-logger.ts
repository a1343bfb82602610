import type { LoggerService } from '@nestjs/common';

const LEVELS = { debug: 10, verbose: 10, info: 20, log: 20, warn: 30, error: 40, fatal: 50 } as const;
type Level = keyof typeof LEVELS;

/**
 * JSON lines on stdout, one object per entry (`level`, `time`, `app`, `context`, `msg`, and
 * any fields passed as an object). Secrets never reach it: callers log ids, never tokens or
 * passwords.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    private readonly app: string,
    level: 'debug' | 'info' | 'warn' | 'error' = 'info',
  ) {
    this.threshold = LEVELS[level];
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (LEVELS[level] < this.threshold) return;
    const entry: Record<string, unknown> = { level: level === 'log' ? 'info' : level, time: new Date().toISOString(), app: this.app };
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const strings = rest.filter((r): r is string => typeof r === 'string');
    if (strings.length > 0) entry.context = strings[strings.length - 1];
    if (strings.length > 1) entry.stack = strings[0];
    for (const r of rest) if (r && typeof r === 'object') Object.assign(entry, r instanceof Error ? { err: r.message, stack: r.stack } : r);
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack ??= message.stack;
    } else if (message && typeof message === 'object') Object.assign(entry, message);
    else entry.msg = String(message);
    process.stdout.write(JSON.stringify(entry) + '\n');
  }
}
