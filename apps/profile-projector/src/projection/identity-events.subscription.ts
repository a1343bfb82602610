import type { Kafka } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { deadLetterTopic, parseWireIdentityEvent, type IdentityEvent, type WireIdentityEvent } from '@idstream/contracts';
import { ensureTopics, type EventProducer } from '@idstream/messaging';
import { IdempotentConsumer, type MessageContext } from '@idstream/persistence';
import type { SealedEventsOpener } from '../keys/sealed-events.opener';
import type { ProfileProjection } from './profile.projection';

export interface SubscriptionSettings {
  groupId: string;
  /** `identity.events` (a test's own topic in tests). */
  topic: string;
  /** Schema of the read model and of this group's checkpoints and processed ids. */
  schema: string;
  /** Partitions applied at once (IdempotentConsumer's partitionsConsumedConcurrently; 1 by default). */
  partitionsConcurrency?: number;
  /** Where poison messages go; the live group's dead-letter topic by default. */
  deadLetterTopic?: string;
  /** Bytes fetched per partition per batch (PROJECTOR_MAX_BYTES_PER_PARTITION; the consumer's default otherwise). */
  maxBytesPerPartition?: number;
  /** Applied after the projection in the same transaction (the live projector's own-events erasure; a rebuild passes none). */
  alsoApply?(manager: EntityManager, event: IdentityEvent): Promise<void>;
  afterCommit?(applied: { value: IdentityEvent; context: MessageContext }[]): void;
  onError?(error: unknown, context?: Partial<MessageContext>): void;
}

/**
 * The consumer that feeds a profile read model from `identity.events`, from offset 0:
 * checkpoint, processed ids and rows commit in one transaction (IdempotentConsumer), and the
 * projection skips any event whose sequence is not newer than its aggregate's. Used by the
 * live projector and by `npm run projector:rebuild` (another group, a shadow schema).
 */
export async function identityEventsConsumer(
  kafka: Kafka,
  dataSource: DataSource,
  producer: EventProducer,
  projection: ProfileProjection,
  opener: Pick<SealedEventsOpener, 'open'>,
  settings: SubscriptionSettings,
): Promise<IdempotentConsumer<WireIdentityEvent, IdentityEvent>> {
  const dlq = settings.deadLetterTopic ?? deadLetterTopic(settings.groupId);
  // The dead-letter topic must exist before the first poison message: producers here never auto-create.
  await ensureTopics(kafka, [{ topic: dlq, partitions: 1, config: { 'retention.ms': '-1' } }]);
  return new IdempotentConsumer<WireIdentityEvent, IdentityEvent>(kafka, dataSource, producer, {
    groupId: settings.groupId,
    topic: settings.topic,
    schema: settings.schema,
    deadLetterTopic: dlq,
    fromBeginning: true,
    partitionsConsumedConcurrently: settings.partitionsConcurrency,
    maxBytesPerPartition: settings.maxBytesPerPartition,
    decode: (message) => {
      const parsed = parseWireIdentityEvent(message.value);
      if (parsed.ok) return { kind: 'event', id: parsed.value.id, value: parsed.value };
      // A type from a newer build is not ours to judge: skip it, do not dead-letter it.
      return parsed.reason === 'unknown-type' ? { kind: 'skip' } : { kind: 'poison', reason: parsed.error };
    },
    // Sealed personal fields (schema version 2) are opened with keys from auth, once per batch.
    open: (events) => opener.open(events),
    // One read and one write of the read model per batch; the own-events side effects after
    // it, in order (an erasure reads the merges into its profile, which no later event of the
    // batch can add to: an erased profile takes no links).
    applyBatch: async (manager, events) => {
      await projection.applyBatch(
        manager,
        events.map((e) => e.value),
      );
      if (settings.alsoApply) for (const { value } of events) await settings.alsoApply(manager, value);
    },
    // The per-event path, after a batch failed: only the failing event is dead-lettered.
    apply: async (manager, event) => {
      await projection.apply(manager, event);
      await settings.alsoApply?.(manager, event);
    },
    afterCommit: (applied) => settings.afterCommit?.(applied),
    onError: (error, context) => settings.onError?.(error, context),
  });
}
