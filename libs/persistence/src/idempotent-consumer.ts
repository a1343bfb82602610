import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import {
  SpanKind,
  TRACEPARENT,
  batchTraceOf,
  contextOf,
  deadLetterMessage,
  ensureTopics,
  inSpan,
  isSampledTraceparent,
  restartAfterCrash,
  type EventProducer,
} from '@idstream/messaging';
import { readCheckpoints } from './consumer-store';
import { isTransientDatabaseError } from './postgres-errors';

/** What a consumer makes of one message before applying it. */
export type Decoded<T> =
  | { kind: 'event'; id: string; value: T }
  /** Not for this consumer (e.g. an event type it does not handle): checkpointed, not applied. */
  | { kind: 'skip' }
  /** Cannot ever be processed: goes to the dead-letter topic with the reason. */
  | { kind: 'poison'; reason: string };

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

export interface IdempotentConsumerSettings<T, A = T> {
  groupId: string;
  topic: string;
  /** The app's schema holding consumer_checkpoints and processed_events. */
  schema: string;
  deadLetterTopic: string;
  /** Where a group without checkpoint starts: replayable projections say true. */
  fromBeginning: boolean;
  decode(message: KafkaMessage): Decoded<T>;
  /**
   * An asynchronous step over the batch's decoded events before any is applied (e.g.
   * opening sealed fields with keys fetched once for the batch), answering one value per
   * event in order. A throw fails the batch, which is retried: nothing is dead-lettered.
   * Without it the decoded value is applied as it is (then A must be T).
   */
  open?(values: T[]): Promise<A[]>;
  /** Applies one event inside the batch's transaction. A throw dead-letters that event alone. */
  apply(manager: EntityManager, value: A, context: MessageContext): Promise<void>;
  /**
   * Applies every fresh event of a batch at once, in order, inside the batch's transaction
   * (e.g. one multi-row write instead of one per event). When it throws a non-transient
   * error the batch is rolled back and done again event by event through `apply`, so that
   * only the failing event is dead-lettered. Without it, `apply` runs per event.
   */
  applyBatch?(manager: EntityManager, events: { value: A; context: MessageContext }[]): Promise<void>;
  /** Called after every committed batch (metrics, waiters). */
  afterCommit?(applied: { value: A; context: MessageContext }[], partition: number, nextOffset: string): void;
  onError?(error: unknown, context?: Partial<MessageContext>): void;
  maxWaitTimeInMs?: number;
  /**
   * Partitions whose batches are applied at once (default 1), each in its own transaction
   * with its own checkpoint row: one batch's database round trips overlap another's decoding
   * and folding. Events of one key stay in order (one key, one partition); the effects must
   * tolerate batches of different partitions committing in any order, as they must for two
   * replicas of the consumer anyway.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * Bytes fetched per partition per request (default DEFAULT_MAX_BYTES_PER_PARTITION): what one
   * batch holds at most, decoded and in flight, besides a single record batch larger than it.
   */
  maxBytesPerPartition?: number;
  /**
   * How long the ids of applied events are kept (default 7 days). They catch a republished
   * event (a relay that crashed before marking republishes within seconds); redeliveries of
   * the same offsets are caught by the checkpoint whatever their age.
   */
  processedIdsRetentionMs?: number;
  sessionTimeout?: number;
}

/**
 * kafkajs fetches 1 MiB per partition by default: thousands of events decoded at once, which
 * outlive the young generation's collections while the batch is applied and end up as garbage
 * in the old one. A quarter of that took the projector's replay from 180 to 152 MiB peak RSS
 * at the same rate against the raw fetch (with the apps' heap flags; docs/benchmarks.md).
 */
export const DEFAULT_MAX_BYTES_PER_PARTITION = 256 * 1024;

/**
 * A Kafka consumer with an exactly-once effect under at-least-once delivery: for each batch,
 * the effects, the ids of the applied events and the partition's next offset commit in ONE
 * PostgreSQL transaction. A redelivered offset is skipped by the checkpoint; a republished
 * event (a new offset, the same id, e.g. from an outbox relay that crashed before marking)
 * is skipped by its id. The Kafka offset is committed after the database, and on every
 * assignment the consumer seeks to the database checkpoint, which is the truth.
 */
/** An apply failed on the fast path: the batch is done again, event by event. */
class RetryPerEvent extends Error {}

export class IdempotentConsumer<T, A = T> {
  private readonly consumer: Consumer;
  private running = false;
  private hasJoined = false;
  /** This member's partitions of the topic, from the last assignment. */
  private assigned: number[] = [];
  /** The seek of the last assignment to the database checkpoints; batches wait for it. */
  private assignmentSeek: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly deadLetters: EventProducer,
    private readonly settings: IdempotentConsumerSettings<T, A>,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 100,
      maxBytesPerPartition: settings.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION,
      sessionTimeout: settings.sessionTimeout ?? 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Producers do not create topics: the dead-letter topic must exist before a poison message does.
    await ensureTopics(this.kafka, [{ topic: this.settings.deadLetterTopic, partitions: 1 }]);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.hasJoined = true;
      this.assigned = event.payload.memberAssignment[this.settings.topic] ?? [];
      this.assignmentSeek = this.seekToCheckpoints(this.assigned);
      this.assignmentSeek.catch((e) => this.settings.onError?.(e));
    });
    restartAfterCrash(this.consumer, () => this.consume(), { wanted: () => this.running, onCrash: (e) => this.settings.onError?.(e) });
    await this.consume();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.settings.topic, fromBeginning: this.settings.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Stops fetching, lets the batch in flight commit, leaves the group and disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
  }

  /** Resolves once the group was joined (tests produce only after this); at once if it was already. */
  joined(): Promise<void> {
    if (this.hasJoined) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
  }

  private async seekToCheckpoints(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    const { schema, groupId, topic } = this.settings;
    const checkpoints = await readCheckpoints(this.dataSource, schema, groupId, topic, partitions);
    for (const [partition, next] of checkpoints) this.consumer.seek({ topic, partition, offset: String(next) });
  }

  /**
   * Waits until the seek of the current assignment is registered. Kafka's position can be
   * AHEAD of the database checkpoint (its offsets were lost and reset to latest, set by a
   * tool, or the database was restored from a backup): a batch fetched from there before the
   * seek is known would move the checkpoint past events never applied. When reading the
   * checkpoints failed at assignment, they are read again here (a failure fails the batch,
   * which kafkajs retries).
   */
  private async seekedToCheckpoints(): Promise<void> {
    try {
      await this.assignmentSeek;
    } catch {
      this.assignmentSeek = this.seekToCheckpoints(this.assigned);
      await this.assignmentSeek;
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    await this.seekedToCheckpoints();
    // A batch fetched before that seek landed is stale: the fetch from the checkpoint follows.
    if (!payload.isRunning() || payload.isStale()) return;
    const { topic, partition } = batch;
    const applied: { value: A; context: MessageContext }[] = [];
    const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
    const nextOffset = (BigInt(lastOffset) + 1n).toString();

    // Fast path first: the batch's ids recorded in one statement, events applied without
    // savepoints (one round trip per event instead of four). Should an apply fail, the batch
    // is rolled back and done again event by event, each under a savepoint, so that only the
    // failing event is dead-lettered.
    try {
      await this.applyBatch(payload, false, applied, nextOffset);
    } catch (error) {
      if (!(error instanceof RetryPerEvent)) throw error;
      await this.applyBatch(payload, true, applied, nextOffset);
    }

    payload.resolveOffset(lastOffset);
    this.settings.afterCommit?.(applied, partition, nextOffset);
    await this.pruneProcessedIds();
    // With autoCommit off, a bare commitOffsetsIfNecessary() commits nothing (no interval,
    // no threshold): pass the offset. Kafka's offset trails the database's checkpoint; it
    // serves lag tools and a faster restart, the checkpoint stays the truth.
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
  }

  /** One attempt at a batch in one transaction: effects, processed ids, dead letters, checkpoint. */
  private async applyBatch(
    payload: EachBatchPayload,
    perEvent: boolean,
    applied: { value: A; context: MessageContext }[],
    nextOffset: string,
  ): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const { schema, groupId } = this.settings;
    await this.dataSource.transaction(async (manager) => {
      applied.length = 0;
      const checkpoint: { next_offset: string }[] = await manager.query(
        `SELECT next_offset FROM "${schema}".consumer_checkpoints WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [groupId, topic, partition],
      );
      const from = BigInt(checkpoint[0]?.next_offset ?? -1);
      const poison: { context: MessageContext; reason: string }[] = [];
      const decodedEvents: { id: string; value: T; context: MessageContext }[] = [];
      for (const message of batch.messages) {
        if (BigInt(message.offset) < from) continue; // applied by an earlier delivery
        const context: MessageContext = { topic, partition, offset: message.offset, message };
        const decoded = this.decodeSafely(message);
        if (decoded.kind === 'skip') continue;
        if (decoded.kind === 'poison') poison.push({ context, reason: decoded.reason });
        else decodedEvents.push({ id: decoded.id, value: decoded.value, context });
      }
      const events = await this.openAll(decodedEvents);

      let sinceHeartbeat = Date.now();
      const heartbeat = async () => {
        if (Date.now() - sinceHeartbeat > 1000) {
          await payload.heartbeat();
          sinceHeartbeat = Date.now();
        }
      };
      if (!perEvent) {
        const inserted: { event_id: string }[] = events.length
          ? await manager.query(
              `INSERT INTO "${schema}".processed_events (group_id, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
              [groupId, events.map((e) => e.id)],
            )
          : [];
        const fresh = new Set(inserted.map((r) => r.event_id));
        if (this.settings.applyBatch) {
          // Not fresh: the same event at another offset (or earlier in this batch), applied already.
          const batchEvents = events.filter((event) => fresh.delete(event.id)).map((e) => ({ value: e.value, context: e.context }));
          try {
            await this.applyBatchTraced(manager, batchEvents);
          } catch (error) {
            if (isTransientDatabaseError(error)) throw error; // retry the whole batch
            throw new RetryPerEvent();
          }
          applied.push(...batchEvents);
        }
        for (const event of this.settings.applyBatch ? [] : events) {
          // Not fresh: the same event at another offset (or earlier in this batch), applied already.
          if (!fresh.delete(event.id)) continue;
          try {
            await this.applyTraced(manager, event.value, event.context);
          } catch (error) {
            if (isTransientDatabaseError(error)) throw error; // retry the whole batch
            throw new RetryPerEvent();
          }
          applied.push({ value: event.value, context: event.context });
          await heartbeat();
        }
      } else {
        for (const { id, value, context } of events) {
          // The processed id is recorded inside the savepoint: an event whose apply fails is
          // dead-lettered and NOT marked processed, so redriving its dead letter applies it.
          await manager.query('SAVEPOINT apply_event');
          const fresh: unknown[] = await manager.query(
            `INSERT INTO "${schema}".processed_events (group_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
            [groupId, id],
          );
          if (fresh.length === 0) {
            await manager.query('RELEASE SAVEPOINT apply_event');
            continue;
          }
          try {
            await this.applyTraced(manager, value, context);
            await manager.query('RELEASE SAVEPOINT apply_event');
            applied.push({ value, context });
          } catch (error) {
            if (isTransientDatabaseError(error)) throw error; // retry the whole batch
            await manager.query('ROLLBACK TO SAVEPOINT apply_event');
            poison.push({ context, reason: `apply failed: ${(error as Error).message}` });
            this.settings.onError?.(error, context);
          }
          await heartbeat();
        }
      }

      if (poison.length > 0) {
        // Dead letters are acknowledged before the checkpoint commits: a crash in between
        // dead-letters them again, it never loses them.
        await this.deadLetters.send(
          this.settings.deadLetterTopic,
          poison.map((p) => deadLetterMessage(p.context, groupId, p.reason)),
        );
      }
      await manager.query(
        `INSERT INTO "${schema}".consumer_checkpoints (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = GREATEST(consumer_checkpoints.next_offset, EXCLUDED.next_offset), updated_at = now()`,
        [groupId, topic, partition, nextOffset],
      );
    });
  }

  private lastPrune = 0;

  /** Bounds processed_events: at most one delete every 10 minutes, of ids past the retention. */
  /** Applies one event in a consumer span continuing its sampled `traceparent` header (no span for an unsampled or absent one). */
  private applyTraced(manager: EntityManager, value: A, context: MessageContext): Promise<void> {
    const traceparent = context.message.headers?.[TRACEPARENT]?.toString();
    if (!isSampledTraceparent(traceparent)) return this.settings.apply(manager, value, context);
    return inSpan(
      `consume ${context.topic}`,
      {
        parent: contextOf(traceparent),
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.consumer.group.name': this.settings.groupId,
          'messaging.destination.name': context.topic,
        },
      },
      () => this.settings.apply(manager, value, context),
    );
  }

  /** Applies a batch in one consumer span: child of its first traced event, linked to all of them (no-op when not tracing). */
  private applyBatchTraced(manager: EntityManager, events: { value: A; context: MessageContext }[]): Promise<void> {
    const applyBatch = (m: EntityManager, e: { value: A; context: MessageContext }[]) => this.settings.applyBatch!(m, e);
    if (events.length === 0) return Promise.resolve();
    const traced = batchTraceOf(events.map((e) => e.context.message.headers));
    if (!traced) return applyBatch(manager, events);
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.consumer.group.name': this.settings.groupId,
      'messaging.destination.name': this.settings.topic,
      'messaging.batch.message_count': events.length,
    };
    return inSpan(`consume ${this.settings.topic}`, { ...traced, kind: SpanKind.CONSUMER, attributes }, () => applyBatch(manager, events));
  }

  private async pruneProcessedIds(): Promise<void> {
    if (Date.now() - this.lastPrune < 600_000) return;
    this.lastPrune = Date.now();
    const retentionMs = this.settings.processedIdsRetentionMs ?? 7 * 86_400_000;
    await this.dataSource
      .query(
        `DELETE FROM "${this.settings.schema}".processed_events WHERE group_id = $1 AND processed_at < now() - make_interval(secs => $2)`,
        [this.settings.groupId, retentionMs / 1000],
      )
      .catch((error: unknown) => this.settings.onError?.(error));
  }

  private async openAll(
    events: { id: string; value: T; context: MessageContext }[],
  ): Promise<{ id: string; value: A; context: MessageContext }[]> {
    if (!this.settings.open || events.length === 0) return events as unknown as { id: string; value: A; context: MessageContext }[];
    const opened = await this.settings.open(events.map((e) => e.value));
    if (opened.length !== events.length) throw new Error(`open answered ${opened.length} values for ${events.length} events`);
    return events.map((e, i) => ({ ...e, value: opened[i]! }));
  }

  private decodeSafely(message: KafkaMessage): Decoded<T> {
    try {
      return this.settings.decode(message);
    } catch (error) {
      return { kind: 'poison', reason: `decode failed: ${(error as Error).message}` };
    }
  }
}
