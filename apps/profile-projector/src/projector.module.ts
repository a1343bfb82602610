import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { PROJECTOR_CONFIG, loadProjectorConfig, type ProjectorConfig } from './config/projector.config';
import { PositionWaiters } from './consistency/position-waiters';
import { ConsumerLagService } from './metrics/consumer-lag.service';
import { projectorMigrations } from './migrations/projector.migrations';
import { OwnEventsController } from './own-events/own-events.controller';
import { ownEventsProviders } from './own-events/own-events.providers';
import { SealedEventsOpener } from './keys/sealed-events.opener';
import { IdentityEventsConsumer } from './projection/identity-events.consumer';
import { ProfileProjection } from './projection/profile.projection';
import { ProfileQueriesController } from './queries/profile-queries.controller';
import { ProfileQueries } from './queries/profile.queries';
import { DATA_SOURCE, DatabaseModule, databaseCheck } from '@idstream/persistence';

const config = loadProjectorConfig();

/** Composition root of `profile-projector`: read models from `identity.events`, backend profile queries. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'profile-projector',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
    }),
    DatabaseModule.forApp({ app: 'profile-projector', url: config.databaseUrl, schema: config.schema, migrations: projectorMigrations }),
    HealthModule.withChecks({
      inject: [KAFKA, DATA_SOURCE],
      useFactory: (k: Kafka, d: DataSource) => [...infrastructureChecks(k), databaseCheck(d)],
    }),
  ],
  controllers: [MetricsController, ProfileQueriesController, OwnEventsController],
  providers: [
    { provide: PROJECTOR_CONFIG, useValue: config },
    { provide: ProfileProjection, inject: [PROJECTOR_CONFIG], useFactory: (c: ProjectorConfig) => new ProfileProjection(c.schema) },
    {
      provide: PositionWaiters,
      inject: [DATA_SOURCE, ProfileProjection],
      useFactory: (d: DataSource, p: ProfileProjection) =>
        new PositionWaiters((ws, aggregate) => p.store.appliedSequence(d, ws, aggregate)),
    },
    {
      provide: ProfileQueries,
      inject: [DATA_SOURCE, PROJECTOR_CONFIG, PositionWaiters],
      useFactory: (d: DataSource, c: ProjectorConfig, w: PositionWaiters) => new ProfileQueries(d, c.schema, w, c.consistencyWaitMs),
    },
    { provide: SealedEventsOpener, inject: [PROJECTOR_CONFIG], useFactory: (c: ProjectorConfig) => new SealedEventsOpener(c.keyService) },
    IdentityEventsConsumer,
    ConsumerLagService,
    ...ownEventsProviders,
  ],
})
export class ProjectorModule {}
