import { Global, Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { INGESTER_CONFIG, loadIngesterConfig } from './config/ingester.config';
import { TrackingPipeline } from './ingest/tracking-pipeline.service';
import { ingesterMigrations } from './migrations/ingester.migrations';
import { DATA_SOURCE, DatabaseModule, databaseCheck } from '@idstream/persistence';

const config = loadIngesterConfig();

/** The pipeline and its config, global so that the readiness checks can see the pipeline. */
@Global()
@Module({
  providers: [{ provide: INGESTER_CONFIG, useValue: config }, TrackingPipeline],
  exports: [TrackingPipeline],
})
class TrackingPipelineModule {}

/** Composition root of `tracking-ingester`: verifies and routes client tracking events. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'tracking-ingester',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
    }),
    DatabaseModule.forApp({ app: 'tracking-ingester', url: config.databaseUrl, schema: 'tracking', migrations: ingesterMigrations }),
    TrackingPipelineModule,
    HealthModule.withChecks({
      inject: [KAFKA, DATA_SOURCE, TrackingPipeline],
      // Ready once Kafka and the database answer and the identity view has replayed identity.events.
      useFactory: (k: Kafka, d: DataSource, pipeline: TrackingPipeline) => [
        ...infrastructureChecks(k),
        databaseCheck(d),
        { name: 'identity-view', check: () => Promise.resolve(pipeline.ready) },
      ],
    }),
  ],
  controllers: [MetricsController],
})
export class IngesterModule {}
