import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuthPatterns, type JwksResult, type SigningKeyRotatedData } from '@idstream/contracts';
import { KeySet, type PublicJwk } from '@idstream/crypto';
import { AuthClient } from '../rpc/rpc.clients';

/** An unknown kid refetches the JWKS at most this often: a flood of forged kids cannot flood auth. */
const UNKNOWN_KID_REFETCH_MS = 10_000;

/**
 * The public keys the gateway verifies access tokens with: fetched from auth at start (retried
 * in the background until auth answers), refetched when a token names an unknown kid, and
 * extended by `SigningKeyRotated` events from identity.events.
 */
@Injectable()
export class SigningKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly set = new KeySet();
  private readonly logger = new Logger('SigningKeys');
  private isLoaded = false;
  private stopped = false;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(@Inject(AuthClient) private readonly auth: AuthClient) {}

  /** True once auth answered the JWKS once. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  onApplicationBootstrap(): void {
    this.loadInBackground(250);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** Called when a token names a kid the set does not hold; rate-limited, never throws. */
  async refreshForUnknownKid(now = Date.now()): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (now - this.lastFetchAt < UNKNOWN_KID_REFETCH_MS) return;
    await this.fetch().catch((error: unknown) => this.logger.warn({ msg: 'JWKS refetch failed', err: (error as Error).message }));
  }

  /** A rotation: the new key verifies at once; the previous one until its last token expires. */
  onKeyRotated(data: SigningKeyRotatedData): void {
    this.addKey(data.publicJwk, null, false);
    if (data.previousKid !== null && data.previousValidUntil !== null) {
      const previous = this.set.jwks(new Date(0)).keys.find((k) => k.kid === data.previousKid);
      if (previous) this.addKey(previous, new Date(data.previousValidUntil), true);
    }
  }

  private loadInBackground(delayMs: number): void {
    if (this.stopped || this.isLoaded) return;
    this.fetch().catch((error: unknown) => {
      this.logger.warn({ msg: 'JWKS not loaded yet; retrying', err: (error as Error).message, retryInMs: delayMs });
      this.retryTimer = setTimeout(() => this.loadInBackground(Math.min(delayMs * 2, 5000)), delayMs);
      this.retryTimer.unref();
    });
  }

  private fetch(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastFetchAt = Date.now();
      try {
        const jwks = await this.auth.call<JwksResult>(AuthPatterns.jwks, {});
        // Keys already held keep the validUntil a rotation event gave them.
        for (const jwk of jwks.keys) this.addKey(jwk, null, false);
        if (!this.isLoaded) this.logger.log({ msg: 'signing keys loaded', kids: jwks.keys.map((k) => k.kid) });
        this.isLoaded = true;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private addKey(jwk: PublicJwk, validUntil: Date | null, replace: boolean): void {
    if (!replace && this.set.has(jwk.kid)) return;
    try {
      this.set.add(jwk, validUntil);
    } catch (error) {
      this.logger.warn({ msg: 'ignored an unusable public key', kid: jwk.kid, err: (error as Error).message });
    }
  }
}
