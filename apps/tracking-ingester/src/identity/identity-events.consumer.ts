import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EnvelopeHeaders, IDENTITY_EVENT_TYPES, deadLetterTopic, parseIdentityEvent, type IdentityEvent } from '@idstream/contracts';
import { ensureTopics, type EventProducer } from '@idstream/messaging';
import { IdempotentConsumer, type MessageContext } from '@idstream/persistence';
import { VIEW_EVENT_TYPES, identityViewChange } from './identity-view.change';
import type { IdentityViewStore } from './identity-view.store';

const KNOWN_TYPES: ReadonlySet<string> = new Set(IDENTITY_EVENT_TYPES);

export interface IdentitySubscription {
  groupId: string;
  topic: string;
  afterCommit(applied: { value: IdentityEvent; context: MessageContext }[]): void;
  onError(error: unknown, context?: Partial<MessageContext>): void;
}

/**
 * The ingester's view of identity.events (device links, closed sessions, signing keys), built
 * from offset 0 with its own group: each batch's rows, processed ids and checkpoint commit in
 * one PostgreSQL transaction (IdempotentConsumer), so the view survives restarts and every
 * ingester instance shares it.
 */
export async function identityEventsConsumer(
  kafka: Kafka,
  dataSource: DataSource,
  producer: EventProducer,
  store: IdentityViewStore,
  settings: IdentitySubscription,
): Promise<IdempotentConsumer<IdentityEvent>> {
  const dlq = deadLetterTopic(settings.groupId);
  // The dead-letter topic must exist before the first poison message: producers here never auto-create.
  await ensureTopics(kafka, [{ topic: dlq, partitions: 1, config: { 'retention.ms': '-1' } }]);
  return new IdempotentConsumer<IdentityEvent>(kafka, dataSource, producer, {
    groupId: settings.groupId,
    topic: settings.topic,
    schema: 'tracking',
    deadLetterTopic: dlq,
    fromBeginning: true,
    decode: (message) => {
      // Most identity events change nothing here: a type named by the header is skipped
      // without parsing and validating the message (a replay from offset 0 stays fast).
      const type = message.headers?.[EnvelopeHeaders.eventType]?.toString();
      if (type !== undefined && KNOWN_TYPES.has(type) && !VIEW_EVENT_TYPES.has(type)) return { kind: 'skip' };
      const parsed = parseIdentityEvent(message.value);
      if (parsed.ok) return { kind: 'event', id: parsed.value.id, value: parsed.value };
      // A type from a newer build is not ours to judge: skip it, do not dead-letter it.
      return parsed.reason === 'unknown-type' ? { kind: 'skip' } : { kind: 'poison', reason: parsed.error };
    },
    apply: (manager, event) => store.apply(manager, identityViewChange(event)),
    afterCommit: (applied) => settings.afterCommit(applied),
    onError: (error, context) => settings.onError(error, context),
  });
}
