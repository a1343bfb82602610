import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { INGESTER_CONFIG, loadIngesterConfig } from './config/ingester.config';
import { TrackingPipeline } from './ingest/tracking-pipeline.service';
import { ingesterMigrations } from './migrations/ingester.migrations';

const config = loadIngesterConfig();

/** Composition root of `tracking-ingester`: verifies and routes client tracking events. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'tracking-ingester',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
      database: { url: config.databaseUrl, schema: 'tracking', migrations: ingesterMigrations },
    }),
    HealthModule.withChecks({ inject: [KAFKA, DATA_SOURCE], useFactory: (k: Kafka, d: DataSource) => infrastructureChecks(k, d) }),
  ],
  controllers: [MetricsController],
  providers: [{ provide: INGESTER_CONFIG, useValue: config }, TrackingPipeline],
})
export class IngesterModule {}
