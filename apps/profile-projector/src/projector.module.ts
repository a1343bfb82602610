import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { PROJECTOR_CONFIG, loadProjectorConfig } from './config/projector.config';
import { projectorMigrations } from './migrations/projector.migrations';
import { IdentityEventsConsumer } from './projection/identity-events.consumer';
import { ProfileProjection } from './projection/profile.projection';

const config = loadProjectorConfig();

/** Composition root of `profile-projector`: read models from `identity.events`. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'profile-projector',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
      database: { url: config.databaseUrl, schema: 'profiles', migrations: projectorMigrations },
    }),
    HealthModule.withChecks({ inject: [KAFKA, DATA_SOURCE], useFactory: (k: Kafka, d: DataSource) => infrastructureChecks(k, d) }),
  ],
  controllers: [MetricsController],
  providers: [{ provide: PROJECTOR_CONFIG, useValue: config }, ProfileProjection, IdentityEventsConsumer],
})
export class ProjectorModule {}
