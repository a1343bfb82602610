import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventProducer } from '@idstream/messaging';
import { OutboxRelay, DATA_SOURCE } from '@idstream/persistence';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';

/** Runs the outbox relay of schema `auth` for the life of the process. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxRelay');
  private readonly relay: OutboxRelay;

  constructor(@Inject(DATA_SOURCE) dataSource: DataSource, producer: EventProducer, @Inject(AUTH_CONFIG) config: AuthConfig) {
    this.relay = new OutboxRelay(dataSource, producer, {
      schema: 'auth',
      databaseUrl: config.databaseUrl,
      topicPrefix: config.topicPrefix,
      onError: (e) => this.logger.error({ msg: 'outbox relay error', err: (e as Error).message }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}
