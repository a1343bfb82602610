import type { Logger as TypeOrmLogger } from 'typeorm';
import { pgErrorCode, PgErrors } from './postgres-errors';

/** Where the database logger writes: the app's redacting logger (Nest's `Logger`), or nothing. */
export interface DatabaseLogSink {
  debug(entry: Record<string, unknown>): void;
  warn(entry: Record<string, unknown>): void;
}

const CONFLICTS = new Set<string>([PgErrors.uniqueViolation, PgErrors.serializationFailure, PgErrors.deadlockDetected]);

/**
 * TypeORM's logger: never a query's parameters (they hold password hashes, emails, mail bodies
 * with tokens), never a query at all unless it failed. A failed query is logged with its error
 * code, constraint and table and the statement's first words; the caller gets the error and
 * decides. A conflict (unique key, serialization, deadlock) is expected, the command retries or
 * answers 409: one debug line. Everything else is a warning.
 */
export class QueryLogger implements TypeOrmLogger {
  constructor(private readonly sink: DatabaseLogSink) {}

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    const e = error as { constraint?: unknown; table?: unknown; schema?: unknown; detail?: unknown };
    const code = pgErrorCode(error);
    const entry = {
      msg: 'query failed',
      code,
      constraint: e.constraint,
      table: typeof e.table === 'string' ? (typeof e.schema === 'string' ? `${e.schema}.${e.table}` : e.table) : undefined,
      // "Key (stream_id, sequence)=(…)": the redacting logger drops the quoted values.
      detail: e.detail,
      statement: statementOf(query),
      err: typeof error === 'string' ? error : error.message,
    };
    if (code !== undefined && CONFLICTS.has(code)) this.sink.debug(entry);
    else this.sink.warn(entry);
  }

  logQuerySlow(time: number, query: string): void {
    this.sink.warn({ msg: 'slow query', ms: time, statement: statementOf(query) });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.sink.debug({ msg: message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.sink.warn({ msg: String(message) });
    else this.sink.debug({ msg: String(message) });
  }
}

/** The statement's kind and target ("INSERT INTO auth.events"), never its values. */
export function statementOf(query: string): string {
  return query.replace(/\s+/g, ' ').trim().split(' ').slice(0, 3).join(' ').slice(0, 80);
}

/** Discards everything (no sink given). */
export const SILENT_SINK: DatabaseLogSink = { debug: () => undefined, warn: () => undefined };
