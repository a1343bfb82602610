import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, parseIdentityEvent, Topics, type IdentityEvent } from '@idstream/contracts';
import { EventProducer, IdempotentConsumer } from '@idstream/messaging';
import { DATA_SOURCE, KAFKA, consumerMetrics } from '@idstream/runtime';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { ProfileProjection } from './profile.projection';

/** Feeds the profile read model from `identity.events`, from offset 0, exactly once per event. */
@Injectable()
export class IdentityEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IdentityEventsConsumer');
  private readonly consumer: IdempotentConsumer<IdentityEvent>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    producer: EventProducer,
    @Inject(PROJECTOR_CONFIG) config: ProjectorConfig,
    projection: ProfileProjection,
  ) {
    const labels = { group: config.groupId, topic: Topics.identityEvents };
    this.consumer = new IdempotentConsumer<IdentityEvent>(kafka, dataSource, producer, {
      groupId: config.groupId,
      topic: Topics.identityEvents,
      schema: 'profiles',
      deadLetterTopic: deadLetterTopic(config.groupId),
      fromBeginning: true,
      decode: (message) => {
        const parsed = parseIdentityEvent(message.value);
        if (parsed.ok) return projection.handles(parsed.value) ? { kind: 'event', id: parsed.value.id, value: parsed.value } : { kind: 'skip' };
        return parsed.reason === 'unknown-type' ? { kind: 'skip' } : { kind: 'poison', reason: parsed.error };
      },
      apply: (manager, event) => projection.apply(manager, event),
      afterCommit: (applied) => consumerMetrics.applied.inc(labels, applied.length),
      onError: (error, context) => {
        consumerMetrics.errors.inc(labels);
        this.logger.error({ msg: 'event not applied', err: (error as Error).message, partition: context?.partition, offset: context?.offset });
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }
}
