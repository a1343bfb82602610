import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { ensureDatabase } from './database';

export interface DataSourceSettings {
  url: string;
  /** The PostgreSQL schema this app owns; its migrations table lives there too. */
  schema: string;
  /** Migration classes, listed explicitly (never a path glob). */
  migrations: NonNullable<DataSourceOptions['migrations']>;
  poolSize?: number;
  applicationName?: string;
}

/**
 * Opens a TypeORM data source on the app's own schema and brings the schema up to date:
 * creates the database and schema when missing, then runs pending migrations in one
 * transaction. Never `synchronize`.
 */
export async function openDataSource(settings: DataSourceSettings): Promise<DataSource> {
  if (!/^[a-z_][a-z0-9_]*$/.test(settings.schema)) throw new Error(`bad schema name ${settings.schema}`);
  await ensureDatabase(settings.url);
  const dataSource = new DataSource({
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    migrations: settings.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: ['error'],
    applicationName: settings.applicationName,
    extra: { max: settings.poolSize ?? 10 },
  });
  await dataSource.initialize();
  // Two processes may start at once: a session advisory lock, held on one connection,
  // makes their migrations take turns.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`idstream.migrate.${settings.schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${settings.schema}"`);
    await dataSource.runMigrations();
  } finally {
    await lock.query('SELECT pg_advisory_unlock_all()');
    await lock.release();
  }
  return dataSource;
}

/** Runs `work` in one database transaction: everything it writes commits together or not at all. */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(work);
}

/** PostgreSQL error codes worth naming. */
export const PgErrors = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database cannot be reached or is refusing work right now (connection lost or refused,
 * server shutting down or starting, connections not accepted, too many clients): a caller
 * should answer 503 and retry later, it is not a fault of the request.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error);
  const message = String((error as Error)?.message ?? '');
  if (code !== undefined && (code.startsWith('08') || code.startsWith('57P') || code === '53300')) return true;
  // 55000 (object not in prerequisite state) is also what a database refusing connections says.
  if (code === '55000') return /not currently accepting connections/.test(message);
  if (code !== undefined) return false;
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|not queryable|not currently accepting connections/i.test(
    message,
  );
}

/** Errors that a retry of the same work may not hit again (lost connection, conflicts). */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = pgErrorCode(error);
  if (code === undefined) return /timeout/i.test(String((error as Error)?.message ?? ''));
  return code === PgErrors.serializationFailure || code === PgErrors.deadlockDetected;
}
