import type { Provider } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { OwnEventsConsumer } from './own-events.consumer';
import { OWN_EVENTS_READ_POOL, OwnEventsDataSourceShutdown, ownEventsDataSource, ownEventsReadPool } from './own-events.data-source';
import { OwnEventsIdentity } from './own-events.identity';
import { OwnEventsPartitions } from './own-events.partitions';
import { OwnEventsQueries } from './own-events.queries';
import { OwnEventsStore, type ReadSql } from './own-events.store';

/** Everything of a customer's own events that the projector's composition root registers. */
export const ownEventsProviders: Provider[] = [
  ownEventsDataSource,
  ownEventsReadPool,
  OwnEventsDataSourceShutdown,
  {
    provide: OwnEventsStore,
    inject: [PROJECTOR_CONFIG],
    useFactory: (c: ProjectorConfig) => new OwnEventsStore(c.ownEvents.schema, c.schema),
  },
  {
    provide: OwnEventsPartitions,
    inject: [PROJECTOR_CONFIG],
    useFactory: (c: ProjectorConfig) => new OwnEventsPartitions(c.ownEvents.schema, c.ownEvents.retentionDays),
  },
  { provide: OwnEventsIdentity, inject: [OwnEventsStore], useFactory: (s: OwnEventsStore) => new OwnEventsIdentity(s) },
  {
    provide: OwnEventsQueries,
    inject: [OWN_EVENTS_READ_POOL, OwnEventsStore, PROJECTOR_CONFIG],
    useFactory: (pool: ReadSql, s: OwnEventsStore, c: ProjectorConfig) => new OwnEventsQueries(pool, s, c.ownEvents.retentionDays),
  },
  OwnEventsConsumer,
];
