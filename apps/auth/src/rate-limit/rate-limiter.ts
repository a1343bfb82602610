import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '@idstream/runtime';

/**
 * Sliding-window counters in PostgreSQL, shared by every auth replica: sign-in failures per
 * email and per client IP, mail requests per email and per IP. Buckets never hold an email in
 * clear (callers pass a hash).
 */
@Injectable()
export class RateLimiter implements OnApplicationBootstrap, OnModuleDestroy {
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

  /** Seconds until the bucket drops below `max` hits in the window, or 0 when under the limit. */
  async retryAfter(bucket: string, max: number, windowSeconds: number, now: Date): Promise<number> {
    const rows: { n: string; oldest: Date | null }[] = await this.dataSource.query(
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
