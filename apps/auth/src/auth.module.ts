import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, HealthModule, InfrastructureModule, KAFKA, infrastructureChecks } from '@idstream/runtime';
import { AUTH_CONFIG, loadAuthConfig } from './config/auth.config';
import { authMigrations } from './migrations/auth.migrations';
import { OutboxRelayService } from './outbox/outbox-relay.service';

const config = loadAuthConfig();

/** Composition root of `auth`, the write side of identity. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'auth',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
      database: { url: config.databaseUrl, schema: 'auth', migrations: authMigrations },
    }),
    HealthModule.withChecks({ inject: [KAFKA, DATA_SOURCE], useFactory: (k: Kafka, d: DataSource) => infrastructureChecks(k, d) }),
  ],
  providers: [{ provide: AUTH_CONFIG, useValue: config }, OutboxRelayService],
})
export class AuthModule {}
