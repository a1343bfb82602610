import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Topics, parseIdentityEvent, type IdentityEvent } from '@idstream/contracts';

export interface IdentityTailContext {
  partition: number;
  offset: string;
}

export interface IdentityTailSettings {
  /** Reads what was published in the last `windowMs` (by message timestamp), then follows the topic. */
  windowMs: number;
  /** Prefix of the throwaway consumer group id (a unique suffix is added per instance). */
  groupIdPrefix: string;
  /** Called once per event, in order within a partition. Must be idempotent and should not throw. */
  handle(event: IdentityEvent, context: IdentityTailContext): void | Promise<void>;
  /** A message that is not a valid identity event, or a handler that threw: logged, then skipped. */
  onError?(error: unknown, context?: IdentityTailContext): void;
  /**
   * The consumer crashed and kafkajs will not restart it: the view stops following the topic.
   * The owner must stop trusting the view (not ready) and start a new tail.
   */
  onCrash?(error: unknown): void;
  /** Defaults to `identity.events`; tests pass their own topic. */
  topic?: string;
  now?: () => number;
  maxWaitTimeInMs?: number;
}

/**
 * An in-memory view's follower of `identity.events` (the gateway's revocations and signing
 * keys): no checkpoint, no commits, a fresh group id per process, and a start bounded by a time
 * window instead of the topic's history. A view that only needs the facts of the last token
 * lifetime rebuilds itself at every start by reading just that window.
 *
 * The consumer subscribes from the earliest offset and seeks each partition to the window's
 * first offset as soon as it is assigned; messages below that offset (from a fetch that raced
 * the seek) are dropped, and so are offsets already handled, so the handler sees the window
 * once, in order. `caughtUp()` resolves when every partition has reached the high watermark it
 * had at start.
 */
export class IdentityTail {
  private readonly topic: string;
  private readonly groupId: string;
  private readonly consumer: Consumer;
  /** Per partition: the next offset to hand to the handler. */
  private readonly next = new Map<number, bigint>();
  /** Per partition: the high watermark seen at start. */
  private readonly targets = new Map<number, bigint>();
  private started = false;
  private stopped = false;
  private resolveCaughtUp!: () => void;
  private readonly caughtUpPromise: Promise<void>;
  private isCaughtUp = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: IdentityTailSettings,
  ) {
    this.topic = settings.topic ?? Topics.identityEvents;
    this.groupId = `${settings.groupIdPrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.caughtUpPromise = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));
  }

  /** Resolves once the view holds everything published up to the moment `start()` looked. */
  caughtUp(): Promise<void> {
    return this.caughtUpPromise;
  }

  get caughtUpNow(): boolean {
    return this.isCaughtUp;
  }

  /** Finds the window's offsets, then starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.started) throw new Error('IdentityTail: already started');
    this.started = true;
    const now = (this.settings.now ?? Date.now)();
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const from = await admin.fetchTopicOffsetsByTimestamp(this.topic, now - this.settings.windowMs);
      const high = await admin.fetchTopicOffsets(this.topic);
      for (const { partition, offset } of from) this.next.set(partition, BigInt(offset));
      for (const { partition, high: h } of high) this.targets.set(partition, BigInt(h));
    } finally {
      await admin.disconnect();
    }
    this.checkCaughtUp();
    if (this.stopped) return;

    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[this.topic] ?? []) {
        const offset = this.next.get(partition);
        if (offset !== undefined) this.consumer.seek({ topic: this.topic, partition, offset: offset.toString() });
      }
    });
    // Batches of only control records (transaction markers) reach no handler: this event is
    // what moves the position past them.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== this.topic || payload.firstOffset === null) return;
      const next = this.next.get(payload.partition);
      if (next !== undefined && BigInt(payload.firstOffset) <= next) this.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopped) this.settings.onCrash?.(payload.error);
    });
    await this.consumer.run({ autoCommit: false, eachBatch: (batch) => this.handleBatch(batch) });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.started) await this.consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      const offset = BigInt(message.offset);
      const next = this.next.get(batch.partition);
      // Below the window (a fetch that raced the seek) or already handled.
      if (next === undefined || offset < next) continue;
      const context = { partition: batch.partition, offset: message.offset };
      const parsed = parseIdentityEvent(message.value);
      if (parsed.ok) {
        try {
          await this.settings.handle(parsed.value, context);
        } catch (error) {
          this.settings.onError?.(error, context);
        }
      } else if (parsed.reason !== 'unknown-type') {
        this.settings.onError?.(new Error(`unreadable identity event: ${parsed.error}`), context);
      }
      this.advance(batch.partition, offset + 1n);
    }
    await payload.heartbeat();
  }

  private advance(partition: number, next: bigint): void {
    const current = this.next.get(partition);
    if (current === undefined || next > current) this.next.set(partition, next);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.isCaughtUp) return;
    for (const [partition, target] of this.targets) {
      if ((this.next.get(partition) ?? 0n) < target) return;
    }
    this.isCaughtUp = true;
    this.resolveCaughtUp();
  }
}
