import { IdstreamError, invalidArgument } from '../errors';
import type { HttpTransport } from '../http';
import { uuidV7, type Timers } from '../platform';
import type { Session } from '../session/session';
import type { DocumentStore } from '../storage/document-store';
import { backoffMs, retryAfterMs } from './backoff';
import type { QueuedEvent } from './queue';
import { QueueStore } from './queue-store';

/** The server's limits (API.md, POST /v1/events), checked here so that a bad event fails at track(). */
const LIMITS = { maxType: 100, maxLabel: 200, maxParamsBytes: 8192, maxBatch: 500 };

export interface TrackerOptions {
  now: () => number;
  timers: Timers;
  /** Events per request (default 100, at most 500). */
  batchSize: number;
  /** How long an event may wait for a batch to fill (default 5 s). */
  flushIntervalMs: number;
  /** Beyond this many queued events the oldest are dropped (default 1000). */
  maxQueueSize: number;
  /** The longest wait between retries (default 60 s). */
  maxBackoffMs: number;
  /** flush() gives up after this many failed attempts in a row (default 5). */
  flushAttempts: number;
}

export interface TrackerStats {
  queued: number;
  dropped: number;
  undeliverable: number;
  rejected: number;
}

export interface FlushResult {
  /** True when the queue was emptied; false when flush() gave up (the events stay queued). */
  empty: boolean;
  queued: number;
}

type Attempt = { outcome: 'empty' } | { outcome: 'progress' } | { outcome: 'retry'; retryAfter: number | null };

/**
 * The event queue. `track()` records an event with a uuid v7 id under the identity signed in
 * at that moment and persists it; batches of one identity go out in order, each with that
 * identity's token, whenever a batch is full or the interval has passed. A failed request is
 * retried with the same ids (the server de-duplicates), after Retry-After or an exponential
 * backoff.
 */
export class Tracker {
  private pending: QueuedEvent[] = [];
  private persisting: Promise<void> | null = null;
  private timer: unknown = null;
  private timerDue = Infinity;
  private sending: Promise<Attempt> | null = null;
  private failures = 0;
  private batchSize: number;
  private stopped = false;
  private readonly queue: QueueStore;
  /** While flush() runs it owns the retries: the background loop stands aside. */
  private flushing = 0;

  constructor(
    store: DocumentStore,
    private readonly http: HttpTransport,
    private readonly session: Session,
    private readonly options: TrackerOptions,
  ) {
    this.batchSize = options.batchSize;
    this.queue = new QueueStore(store, options.batchSize);
  }

  /**
   * Queues an event. Arguments are checked at once (a bad one throws here); the promise
   * resolves when the event is persisted, and sending happens in the background.
   */
  track(type: string, params?: Record<string, unknown>, options: { label?: string } = {}): Promise<void> {
    if (typeof type !== 'string' || type.length < 1 || type.length > LIMITS.maxType)
      throw invalidArgument('type', `must be a string of 1 to ${LIMITS.maxType} characters`);
    const { label } = options ?? {};
    if (label !== undefined && (typeof label !== 'string' || label.length < 1 || label.length > LIMITS.maxLabel)) {
      throw invalidArgument('options.label', `must be a string of 1 to ${LIMITS.maxLabel} characters`);
    }
    let json: string | undefined;
    if (params !== undefined) {
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalidArgument('params', 'must be an object');
      try {
        json = JSON.stringify(params);
      } catch {
        throw invalidArgument('params', 'must be JSON (no cycles, no BigInt)');
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit: encode only when the text could be too long.
      if (json.length * 3 > LIMITS.maxParamsBytes && utf8Length(json) > LIMITS.maxParamsBytes) {
        throw invalidArgument('params', `must be at most ${LIMITS.maxParamsBytes} bytes as JSON`);
      }
    }
    const now = this.options.now();
    const event: Omit<QueuedEvent, 'identity'> & { identity: QueuedEvent['identity'] | null } = {
      id: uuidV7(now),
      type,
      occurredAt: new Date(now).toISOString(),
      identity: this.session.knownIdentity(),
    };
    if (label !== undefined) event.label = label;
    // A copy, so that the app changing its object later does not change the queued event.
    if (json !== undefined) event.params = JSON.parse(json) as Record<string, unknown>;
    return this.persist(event);
  }

  /** Sends until the queue is empty, or gives up after `flushAttempts` failures in a row. */
  async flush(): Promise<FlushResult> {
    this.flushing++;
    try {
      return await this.flushUntilDone();
    } finally {
      this.flushing--;
      if (this.flushing === 0) this.schedule(this.options.flushIntervalMs);
    }
  }

  private async flushUntilDone(): Promise<FlushResult> {
    await this.persisting;
    let failures = 0;
    for (;;) {
      const attempt = await this.attempt();
      if (attempt.outcome === 'empty') return { empty: true, queued: 0 };
      if (attempt.outcome === 'progress') {
        failures = 0;
        continue;
      }
      failures++;
      if (failures >= this.options.flushAttempts) return { empty: false, queued: await this.queue.length() };
      await this.sleep(backoffMs(failures, attempt.retryAfter, this.options.maxBackoffMs));
    }
  }

  async stats(): Promise<TrackerStats> {
    await this.persisting;
    const { dropped, undeliverable, rejected } = await this.queue.index();
    return { queued: await this.queue.length(), dropped, undeliverable, rejected };
  }

  /** Starts the background sending (called by init: events left from an earlier run go out too). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the background timer; queued events stay persisted for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  private persist(event: Omit<QueuedEvent, 'identity'> & { identity: QueuedEvent['identity'] | null }): Promise<void> {
    this.pending.push(event as QueuedEvent);
    // Every track() of this turn of the event loop is written in one update.
    this.persisting ??= Promise.resolve().then(async () => {
      const events = this.pending;
      this.pending = [];
      this.persisting = null;
      const fallback = events.some((e) => e.identity === null) ? await this.session.currentIdentity() : null;
      for (const e of events) e.identity ??= fallback!;
      const length = await this.queue.append(events, this.options.maxQueueSize);
      this.schedule(length >= this.batchSize ? 0 : this.options.flushIntervalMs);
    });
    return this.persisting;
  }

  /** One send at a time per instance: the background loop and flush() share it. */
  private attempt(): Promise<Attempt> {
    if (this.sending) return this.sending.then(() => this.attempt());
    const sending = this.sendNextBatch().finally(() => {
      this.sending = null;
    });
    this.sending = sending;
    return sending;
  }

  private async sendNextBatch(): Promise<Attempt> {
    const batch = await this.queue.nextBatch(this.batchSize);
    const first = batch[0];
    if (!first) return { outcome: 'empty' };
    const ids = new Set(batch.map((e) => e.id));
    let token: string | null;
    try {
      token = await this.session.tokenFor(first.identity);
    } catch (error) {
      return this.failed(error);
    }
    if (token === null) {
      // That customer session is over: its token can no longer sign them, and no other may.
      await this.queue.settle(ids, 'undeliverable');
      return { outcome: 'progress' };
    }
    try {
      const { body } = await this.http.send<{ accepted: number; rejected: unknown[] }>({
        method: 'POST',
        path: '/v1/events',
        token,
        body: { events: batch.map(({ identity: _identity, ...event }) => event), sentAt: new Date(this.options.now()).toISOString() },
      });
      const rejected = Array.isArray(body?.rejected) ? body.rejected.length : 0;
      await this.queue.settle(ids, 'rejected', rejected);
      this.failures = 0;
      this.batchSize = this.options.batchSize;
      return { outcome: 'progress' };
    } catch (error) {
      if (error instanceof IdstreamError && error.kind === 'unauthorized-session') {
        if (first.identity.kind === 'customer') {
          await this.session.endAfterRefusal(token, error);
          return { outcome: 'retry', retryAfter: 0 }; // the next attempt settles them as undeliverable
        }
        await this.session.forgetAnonymous(first.identity.uuid);
        return this.failed(error);
      }
      if (error instanceof IdstreamError && error.kind === 'http' && error.status === 413 && this.batchSize > 1) {
        this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
        return { outcome: 'retry', retryAfter: 0 };
      }
      if (error instanceof IdstreamError && error.kind === 'http' && error.status !== null && isPermanent(error.status)) {
        await this.queue.settle(ids, 'rejected');
        return { outcome: 'progress' };
      }
      return this.failed(error);
    }
  }

  private failed(error: unknown): Attempt {
    const header = error instanceof IdstreamError ? error.retryAfter : null;
    return { outcome: 'retry', retryAfter: retryAfterMs(header, this.options.now()) };
  }

  /** The background loop: drain while there is progress, then wait for the interval or the backoff. */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped || this.flushing > 0) return;
      const attempt = await this.attempt().catch((error: unknown) => this.failed(error));
      if (attempt.outcome === 'progress') {
        this.failures = 0;
        continue;
      }
      if (attempt.outcome === 'empty') return;
      this.failures++;
      this.schedule(backoffMs(this.failures, attempt.retryAfter, this.options.maxBackoffMs));
      return;
    }
  }

  /** Runs the drain in `delay` ms, unless it is due sooner already. */
  private schedule(delay: number): void {
    if (this.stopped) return;
    const due = this.options.now() + delay;
    if (this.timer !== null && this.timerDue <= due) return;
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      void this.drain();
    }, delay);
    // In Node, a pending send must not keep a finished script alive.
    (this.timer as { unref?: () => void } | null)?.unref?.();
  }

  /** Not unref'ed: an app awaiting flush() keeps its process alive until flush() answers. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => void this.options.timers.setTimeout(resolve, ms));
  }
}

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;

/** A refusal that a retry would meet again: the batch is dropped (and counted) rather than retried forever. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
