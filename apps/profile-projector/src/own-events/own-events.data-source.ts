import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, openDataSource } from '@idstream/persistence';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { ownEventsMigrations } from './1764700000000-own-events';

/** The own-events schema's data source: its own migrations and pool, in the projector's database. */
export const OWN_EVENTS_DATA_SOURCE = Symbol('OWN_EVENTS_DATA_SOURCE');

export const ownEventsDataSource: Provider = {
  provide: OWN_EVENTS_DATA_SOURCE,
  // After the profile schema's migrations (DATA_SOURCE): the store reads those tables.
  inject: [PROJECTOR_CONFIG, DATA_SOURCE],
  useFactory: (config: ProjectorConfig) =>
    openDataSource({
      url: config.databaseUrl,
      schema: config.ownEvents.schema,
      migrations: ownEventsMigrations,
      poolSize: 5,
      applicationName: 'idstream-profile-projector-own-events',
    }),
};

/**
 * The queries' own pool (own-events.store.ts `ReadSql`): named statements planned once per
 * connection, generic plans forced (the partitions are pruned when the plan runs), and a pool
 * apart from the consumer's, so a burst of reads never waits behind a batch.
 */
export const OWN_EVENTS_READ_POOL = Symbol('OWN_EVENTS_READ_POOL');

export const ownEventsReadPool: Provider = {
  provide: OWN_EVENTS_READ_POOL,
  inject: [PROJECTOR_CONFIG, OWN_EVENTS_DATA_SOURCE],
  useFactory: (config: ProjectorConfig) =>
    new Pool({
      connectionString: config.databaseUrl,
      max: 5,
      application_name: 'idstream-profile-projector-own-events-reads',
      options: '-c plan_cache_mode=force_generic_plan',
    }),
};

/** Closes the pools last, after the consumer and the queries stopped. */
@Injectable()
export class OwnEventsDataSourceShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(OWN_EVENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OWN_EVENTS_READ_POOL) private readonly reads: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.reads.end();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
