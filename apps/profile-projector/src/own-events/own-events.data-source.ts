import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { DATA_SOURCE } from '@idstream/runtime';
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

/** Closes the pool last, after the consumer and the queries stopped. */
@Injectable()
export class OwnEventsDataSourceShutdown implements OnApplicationShutdown {
  constructor(@Inject(OWN_EVENTS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
