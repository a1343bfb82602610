import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { deadLetterTopic } from '@idstream/contracts';
import { EventProducer } from '@idstream/messaging';
import { IdempotentConsumer } from '@idstream/persistence';
import { KAFKA, consumerMetrics } from '@idstream/runtime';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { OWN_EVENTS_DATA_SOURCE } from './own-events.data-source';
import { OwnEventsPartitions } from './own-events.partitions';
import { OwnEventsStore } from './own-events.store';
import { isRetained, partitionName } from './partition-weeks';
import { parseTrackingEventAccepted, type OwnEventRow } from './tracking-event.parse';

/**
 * Feeds the own-events store from tracking.events, from the topic's beginning (a new
 * deployment fills with what the topic still holds), exactly once per event: rows, processed
 * ids and checkpoint commit together (IdempotentConsumer), and the row's key repeats the
 * ingester's de-duplication key. Also runs the partition maintenance: at start, before the
 * first event, and every OWN_EVENTS_MAINTENANCE_INTERVAL_MS (with the pruning of closed sessions).
 */
@Injectable()
export class OwnEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OwnEventsConsumer');
  private consumer?: IdempotentConsumer<OwnEventRow>;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(OWN_EVENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(OwnEventsStore) private readonly store: OwnEventsStore,
    @Inject(OwnEventsPartitions) private readonly partitions: OwnEventsPartitions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.maintain();
    this.timer = setInterval(() => void this.maintain(), this.config.ownEvents.maintenanceIntervalMs);
    this.timer.unref();
    const { groupId, topic, schema, retentionDays } = this.config.ownEvents;
    const labels = { group: groupId, topic };
    this.consumer = new IdempotentConsumer<OwnEventRow>(this.kafka, this.dataSource, this.producer, {
      groupId,
      topic,
      schema,
      deadLetterTopic: deadLetterTopic(groupId),
      fromBeginning: true,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      decode: (message) => {
        const parsed = parseTrackingEventAccepted(message.value);
        return parsed.ok ? { kind: 'event', id: parsed.row.envelopeId, value: parsed.row } : { kind: 'poison', reason: parsed.reason };
      },
      apply: async (manager, row) => {
        // Older than the retention (a replay of the topic's past): its partition is gone or going.
        if (!isRetained(row.occurredAt, Date.now(), retentionDays)) return;
        await this.partitions.ensurePartition(manager, row.occurredAt);
        await this.store.insert(manager, row);
      },
      afterCommit: (applied) => consumerMetrics.applied.inc(labels, applied.length),
      onError: (error, context) => {
        consumerMetrics.errors.inc(labels);
        this.logger.error({
          msg: 'tracking event not stored',
          err: (error as Error).message,
          partition: context?.partition,
          offset: context?.offset,
        });
      },
    });
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop();
  }

  private async maintain(): Promise<void> {
    try {
      const now = Date.now();
      const { created, dropped } = await this.partitions.maintain((work) => this.dataSource.transaction((m) => work(m)), now);
      await this.store.pruneClosedSessions(this.dataSource, now);
      if (created.length > 0 || dropped.length > 0)
        this.logger.log({
          msg: 'own events partitions maintained',
          created: created.map(partitionName),
          dropped: dropped.map(partitionName),
        });
    } catch (error) {
      this.logger.error({ msg: 'own events partition maintenance failed', err: (error as Error).message });
    }
  }
}
