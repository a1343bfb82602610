import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { IdentityEvent, WireIdentityEvent } from '@idstream/contracts';
import { EventProducer } from '@idstream/messaging';
import { type IdempotentConsumer, DATA_SOURCE } from '@idstream/persistence';
import { KAFKA, consumerMetrics } from '@idstream/runtime';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { PositionWaiters } from '../consistency/position-waiters';
import { OwnEventsIdentity } from '../own-events/own-events.identity';
import { SealedEventsOpener } from '../keys/sealed-events.opener';
import { ProfileProjection } from './profile.projection';
import { identityEventsConsumer } from './identity-events.subscription';

/** Feeds the live profile read model from `identity.events`, from offset 0, exactly once per event. */
@Injectable()
export class IdentityEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IdentityEventsConsumer');
  private consumer?: IdempotentConsumer<WireIdentityEvent, IdentityEvent>;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(ProfileProjection) private readonly projection: ProfileProjection,
    @Inject(PositionWaiters) private readonly waiters: PositionWaiters,
    @Inject(OwnEventsIdentity) private readonly ownEventsIdentity: OwnEventsIdentity,
    @Inject(SealedEventsOpener) private readonly opener: SealedEventsOpener,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const labels = { group: this.config.groupId, topic: this.config.topic };
    this.consumer = await identityEventsConsumer(this.kafka, this.dataSource, this.producer, this.projection, this.opener, {
      groupId: this.config.groupId,
      topic: this.config.topic,
      schema: this.config.schema,
      partitionsConcurrency: this.config.partitionsConcurrency,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      alsoApply: (manager, event) => this.ownEventsIdentity.apply(manager, event),
      afterCommit: (applied) => {
        consumerMetrics.applied.inc(labels, applied.length);
        // Read-your-writes queries waiting for these positions can answer now (committed).
        for (const { value } of applied) this.waiters.notify(value.workspaceId, value.aggregateId, value.sequence);
      },
      onError: (error, context) => {
        consumerMetrics.errors.inc(labels);
        this.logger.error({
          msg: 'event not applied',
          err: (error as Error).message,
          partition: context?.partition,
          offset: context?.offset,
        });
      },
    });
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
    await this.opener.close();
  }
}
