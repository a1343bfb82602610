import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalEmailOrNull } from '@idstream/contracts';
import { sha256Hex } from '@idstream/crypto';
import { DATA_SOURCE } from '@idstream/persistence';

/**
 * Auth's attempt limiter (the gateway's `GatewayRateLimiter` limits requests in memory).
 * Sliding-window counters in PostgreSQL, shared by every auth replica: sign-in failures per
 * email and per client IP, mail requests per email and per IP. Buckets never hold an email in
 * clear (callers pass a hash).
 */
@Injectable()
export class AuthRateLimiter implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    // Hits older than a day are past every window.
    this.timer = setInterval(() => void this.prune(new Date(Date.now() - 86_400_000)).catch(() => undefined), 600_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Counts an attempt in every bucket before the work it limits (so that a burst of parallel
   * requests cannot all pass the check before any of them is recorded), or refuses with the
   * seconds to wait. Buckets are locked in a fixed order for the check and the insert, so
   * replicas agree. `release()` takes the attempt back (a successful sign-in is no failure).
   */
  async attempt(
    limits: { bucket: string; max: number; windowSeconds: number }[],
    now: Date,
  ): Promise<{ allowed: true; release: () => Promise<void> } | { allowed: false; retryAfter: number }> {
    const sorted = [...limits].sort((a, b) => a.bucket.localeCompare(b.bucket));
    const retryAfter = await this.dataSource.transaction(async (manager) => {
      let wait = 0;
      for (const limit of sorted) {
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [limit.bucket]);
        wait = Math.max(wait, await this.retryAfter(limit.bucket, limit.max, limit.windowSeconds, now, manager));
      }
      if (wait === 0)
        await this.hit(
          sorted.map((l) => l.bucket),
          now,
          manager,
        );
      return wait;
    });
    if (retryAfter > 0) return { allowed: false, retryAfter };
    const buckets = sorted.map((l) => l.bucket);
    return {
      allowed: true,
      release: async () => {
        await this.dataSource.query(
          `DELETE FROM auth.rate_limit_hits WHERE ctid IN (
             SELECT DISTINCT ON (bucket) ctid FROM auth.rate_limit_hits WHERE bucket = ANY($1) AND at = $2)`,
          [buckets, now],
        );
      },
    };
  }

  /**
   * `attempt` on the two buckets every email-keyed action uses: `max` per email (its canonical
   * form, hashed, so no address is stored) in the workspace, and ten times that per client IP in
   * the workspace (one NAT address busy in one workspace is not locked out of the others).
   */
  attemptPerEmailAndIp(
    action: string,
    target: { workspaceId: string; email: string; ip: string },
    limit: { max: number; windowSeconds: number },
    now: Date,
  ): ReturnType<AuthRateLimiter['attempt']> {
    return this.attempt(
      [
        { bucket: `${action}:e:${target.workspaceId}:${sha256Hex(canonicalEmailOrNull(target.email) ?? target.email)}`, ...limit },
        { bucket: `${action}:ip:${target.workspaceId}:${target.ip}`, ...limit, max: limit.max * 10 },
      ],
      now,
    );
  }

  /** Seconds until the bucket drops below `max` hits in the window, or 0 when under the limit. */
  async retryAfter(
    bucket: string,
    max: number,
    windowSeconds: number,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const rows: { n: string; oldest: Date | null }[] = await manager.query(
      `SELECT count(*) AS n, min(at) AS oldest FROM (
         SELECT at FROM auth.rate_limit_hits WHERE bucket = $1 AND at > $2 ORDER BY at DESC LIMIT $3) recent`,
      [bucket, new Date(now.getTime() - windowSeconds * 1000), max],
    );
    const row = rows[0]!;
    if (Number(row.n) < max || !row.oldest) return 0;
    return Math.max(1, Math.ceil((row.oldest.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
  }

  async hit(buckets: string[], now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (buckets.length === 0) return;
    await manager.query('INSERT INTO auth.rate_limit_hits (bucket, at) SELECT unnest($1::text[]), $2', [buckets, now]);
  }

  /** Deletes hits older than any window (called periodically). */
  async prune(olderThan: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM auth.rate_limit_hits WHERE at < $1', [olderThan]);
  }
}
