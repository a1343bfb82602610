import { Logger } from '@nestjs/common';
import type { JwksResult } from '@idstream/contracts';
import type { PublicJwk } from '@idstream/crypto';

export interface JwksLoaderSettings {
  /** Names the loader in logs (`GatewayJwks`, `IngesterJwks`). */
  name: string;
  /** One request for auth's JWKS (over the caller's own transport to auth). */
  fetch: () => Promise<JwksResult>;
  /** Receives the keys of every successful fetch. */
  onKeys: (keys: PublicJwk[]) => void;
  /** Background retries until the first success: from `firstMs`, doubling, at most `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
  /** `refetch()` asks auth at most this often (a flood of forged kids cannot flood auth). */
  refetchAtMostEveryMs?: number;
}

/**
 * The one JWKS client of the apps that verify tokens (gateway, ingester): loads auth's public
 * keys in the background at start, retrying with backoff until auth answers (it may start
 * later), and refetches on demand (an unknown kid), rate-limited. Never throws.
 */
export class JwksLoader {
  private readonly logger: Logger;
  private isLoaded = false;
  private stopped = false;
  private failures = 0;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly settings: JwksLoaderSettings) {
    this.logger = new Logger(settings.name);
  }

  /** True once auth answered the JWKS once. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  start(): void {
    this.loadInBackground(this.settings.retry?.firstMs ?? 250);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A new fetch unless one ran within `refetchAtMostEveryMs`; resolves when it ends. */
  async refetch(now = Date.now()): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (now - this.lastFetchAt < (this.settings.refetchAtMostEveryMs ?? 10_000)) return;
    await this.fetch().catch((error: unknown) => this.logger.warn({ msg: 'JWKS refetch failed', err: (error as Error).message }));
  }

  private loadInBackground(delayMs: number): void {
    if (this.stopped || this.isLoaded) return;
    this.fetch().catch((error: unknown) => {
      this.failures++;
      // Auth may simply not be up yet (apps start together): the first failure is news, not a
      // warning; every twentieth is a warning.
      const entry = { msg: 'JWKS not loaded yet; retrying', err: (error as Error).message, retryInMs: delayMs, failures: this.failures };
      if (this.failures % 20 === 0) this.logger.warn(entry);
      else if (this.failures === 1) this.logger.log(entry);
      if (this.stopped) return;
      const next = Math.min(delayMs * 2, this.settings.retry?.maxMs ?? 5000);
      this.timer = setTimeout(() => this.loadInBackground(next), delayMs);
      this.timer.unref();
    });
  }

  private fetch(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastFetchAt = Date.now();
      try {
        const jwks = await this.settings.fetch();
        this.settings.onKeys(jwks.keys);
        if (!this.isLoaded) this.logger.log({ msg: 'JWKS loaded from auth', kids: jwks.keys.map((k) => k.kid) });
        this.isLoaded = true;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}
