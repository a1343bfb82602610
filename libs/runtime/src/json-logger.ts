import type { LoggerService } from '@nestjs/common';
import { redact } from './redaction';
import { activeTraceIds } from './tracing';

const LEVELS = { debug: 10, verbose: 10, info: 20, log: 20, warn: 30, error: 40, fatal: 50 } as const;
type Level = keyof typeof LEVELS;

/**
 * JSON lines on stdout, one object per entry (`level`, `time`, `app`, `context`, `msg`, and
 * any fields passed as an object; an error becomes `err` with its type, message, stack and
 * causes). Every entry goes through `redact()` (./redaction.ts) before it is written, so a
 * secret that a caller or a library puts in a message, a field or an error does not reach
 * the line. Nest's own Logger writes here (startApp passes this logger to Nest), and so do
 * kafkajs, the database driver and uncaught errors. While tracing (tracing.ts), each line
 * carries the `traceId` and `spanId` of the active span.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    private readonly app: string,
    level: 'debug' | 'info' | 'warn' | 'error' = 'info',
    /** Where lines go: stdout, or a test's buffer. */
    private readonly writeLine: (line: string) => void = (line) => void process.stdout.write(line),
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
    for (const r of rest) if (r && typeof r === 'object') Object.assign(entry, r instanceof Error ? { err: r } : r);
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.err = message;
    } else if (message && typeof message === 'object') Object.assign(entry, message);
    else entry.msg = String(message);
    // The active span, when tracing: joins this line to its trace (and the requestId in it).
    const ids = activeTraceIds();
    if (ids && entry.traceId === undefined) Object.assign(entry, ids);
    let line: string;
    try {
      line = JSON.stringify(redact(entry));
    } catch {
      line = JSON.stringify({ level: entry.level, time: entry.time, app: this.app, msg: 'unserializable log entry' });
    }
    this.writeLine(line + '\n');
  }
}
