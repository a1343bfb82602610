import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { ensureDatabase } from './database';
import { QueryLogger, SILENT_SINK, type DatabaseLogSink } from './query-logger';

export interface DataSourceSettings {
  url: string;
  /** The PostgreSQL schema this app owns; its migrations table lives there too. */
  schema: string;
  /** Migration classes, listed explicitly (never a path glob). */
  migrations: NonNullable<DataSourceOptions['migrations']>;
  poolSize?: number;
  applicationName?: string;
  /** The app's redacting logger; without it the database logs nothing. */
  log?: DatabaseLogSink;
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
    // Our logger, not TypeORM's: a failed query is logged without its parameters (see QueryLogger).
    logger: new QueryLogger(settings.log ?? SILENT_SINK),
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
