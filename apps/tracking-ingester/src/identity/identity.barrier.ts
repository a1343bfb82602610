import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { readCheckpoints } from '@idstream/persistence';

interface Ends {
  /** When the measurement started (epoch ms, local clock). */
  startedAt: number;
  ends: Promise<Map<number, { high: bigint; low: bigint }>>;
}

/**
 * Makes a tracking batch wait until the identity view holds every identity event published
 * before the batch was taken up: keys, closed sessions and device links are then all known for
 * its records (which were received earlier still), so a decision never depends on how far the
 * identity consumer lags. "Published before" is measured as identity.events' end offsets read
 * after the batch started; "holds" as the identity group's checkpoints in the database (shared
 * by every ingester instance, whichever of them applies a partition).
 *
 * identity.events is written without transactions (auth's outbox relay), so its offsets are
 * dense and a caught-up checkpoint equals the end offset. A batch waits as long as the view
 * makes progress (a first start replays identity.events from offset 0); when it has made none
 * for `waitMs`, the batch fails and is retried — it is never decided on a partial view.
 */
export class IdentityBarrier {
  private admin?: Admin;
  private connecting?: Promise<void>;
  private latest: Ends | null = null;
  /** Checkpoints already seen in the database: they only grow. */
  private readonly confirmed = new Map<number, bigint>();
  private readonly wakeups = new Set<() => void>();
  private caughtUpOnce = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly settings: { topic: string; groupId: string; waitMs: number },
  ) {}

  /** The identity consumer committed a batch: waiters look again at once. */
  notify(): void {
    for (const wake of [...this.wakeups]) wake();
  }

  /** True once the view was caught up once (readiness: a fresh start has replayed identity.events). */
  get ready(): boolean {
    return this.caughtUpOnce;
  }

  /** Resolves once the view has applied everything published up to `since` (epoch ms); throws after waitMs without progress. */
  async caughtUp(since: number): Promise<void> {
    const ends = await this.endsAfter(since);
    if (this.satisfied(ends)) return this.done();
    let deadline = Date.now() + this.settings.waitMs;
    let progress = this.progress();
    for (;;) {
      await this.readCheckpoints();
      if (this.satisfied(ends)) return this.done();
      const now = Date.now();
      const current = this.progress();
      if (current !== progress) {
        progress = current;
        deadline = now + this.settings.waitMs;
      }
      const left = deadline - now;
      if (left <= 0)
        throw new Error(
          `the identity view made no progress on ${this.settings.topic} for ${this.settings.waitMs} ms: ${this.describe(ends)}`,
        );
      await this.sleep(Math.min(50, left));
    }
  }

  /** Waits (retrying) until the view is caught up with identity.events as it is now; for readiness at start. */
  async warmUp(isStopped: () => boolean): Promise<void> {
    while (!isStopped()) {
      try {
        await this.caughtUp(Date.now());
        return;
      } catch {
        await this.sleep(1000);
      }
    }
  }

  private done(): void {
    this.caughtUpOnce = true;
  }

  private progress(): bigint {
    let sum = 0n;
    for (const offset of this.confirmed.values()) sum += offset;
    return sum;
  }

  async stop(): Promise<void> {
    this.notify();
    await this.admin?.disconnect().catch(() => undefined);
  }

  private satisfied(ends: Map<number, { high: bigint; low: bigint }>): boolean {
    for (const [partition, { high, low }] of ends) {
      if ((this.confirmed.get(partition) ?? low) < high) return false;
    }
    return true;
  }

  private describe(ends: Map<number, { high: bigint; low: bigint }>): string {
    return [...ends].map(([p, { high }]) => `partition ${p} at ${this.confirmed.get(p) ?? 'none'} of ${high}`).join(', ');
  }

  /** End offsets read by a request that started at or after `since`; concurrent batches share one. */
  private endsAfter(since: number): Promise<Map<number, { high: bigint; low: bigint }>> {
    if (this.latest && this.latest.startedAt >= since) return this.latest.ends;
    const startedAt = Date.now();
    const ends = (async () => {
      this.connecting ??= (async () => {
        this.admin = this.kafka.admin();
        await this.admin.connect();
      })();
      try {
        await this.connecting;
      } catch (error) {
        this.connecting = undefined;
        throw error;
      }
      const offsets = await this.admin!.fetchTopicOffsets(this.settings.topic);
      return new Map(offsets.map((o) => [o.partition, { high: BigInt(o.high), low: BigInt(o.low) }]));
    })();
    const entry: Ends = { startedAt, ends };
    this.latest = entry;
    ends.catch(() => {
      if (this.latest === entry) this.latest = null;
    });
    return ends;
  }

  private async readCheckpoints(): Promise<void> {
    const checkpoints = await readCheckpoints(this.dataSource, 'tracking', this.settings.groupId, this.settings.topic);
    for (const [partition, next] of checkpoints) {
      if (next > (this.confirmed.get(partition) ?? -1n)) this.confirmed.set(partition, next);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }
}
