import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { openDataSource, type DataSourceSettings } from './data-source';

/** Injection token of the app's TypeORM data source. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

export interface DatabaseSettings {
  app: string;
  url: string;
  /** The app's own PostgreSQL schema. */
  schema: string;
  migrations: DataSourceSettings['migrations'];
  poolSize?: number;
}

/** Closes the data source last, in `onApplicationShutdown`, after every module stopped using it. */
@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * The database of an app that owns a schema: its data source, brought up to date by
 * migrations at start. Separate from `InfrastructureModule` (libs/runtime) so that an app
 * that owns nothing durable (the gateway) loads no database code at all.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forApp(settings: DatabaseSettings): DynamicModule {
    const { app, ...database } = settings;
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openDataSource({ ...database, applicationName: `idstream-${app}`, log: new Logger('Database') }),
        },
        DatabaseShutdown,
      ],
      exports: [DATA_SOURCE],
    };
  }
}

/** Readiness: the database answers (the shape of `ReadinessCheck` in libs/runtime). */
export function databaseCheck(dataSource: DataSource): { name: string; check: () => Promise<boolean> } {
  return {
    name: 'database',
    check: async () => {
      await dataSource.query('SELECT 1');
      return true;
    },
  };
}
