import { Logger } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { DataSource } from 'typeorm';
import { AuthPatterns, type JwksResult, type Reply } from '@idstream/contracts';
import { KeySet, type PublicJwk } from '@idstream/crypto';
import type { IdentityViewStore } from '../identity/identity-view.store';

/**
 * The public keys tokens are verified with: every key announced by `SigningKeyRotated` on
 * identity.events (kept in tracking.signing_keys with the end of its validity), plus the keys
 * `auth` lists in its JWKS over TCP, fetched once at start in the background and retried until
 * auth answers — optional, since the events alone carry every key auth ever made.
 */
export class VerificationKeys {
  private readonly logger = new Logger('VerificationKeys');
  private readonly fromJwks = new Map<string, PublicJwk>();
  private cached: { fingerprint: string; set: KeySet } | null = null;
  private client: ClientProxy | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly store: IdentityViewStore,
    private readonly auth: { host: string; port: number } | null,
  ) {}

  /** Starts fetching auth's JWKS in the background (never blocks, never throws). */
  start(): void {
    if (!this.auth) return;
    this.client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: this.auth.host, port: this.auth.port } });
    this.fetchLater(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.resolve(this.client?.close()).catch(() => undefined);
  }

  /** The current key set; rebuilt only when the stored keys changed. */
  async keySet(db: DataSource): Promise<KeySet> {
    const stored = await this.store.keys(db);
    const fingerprint = JSON.stringify([
      stored.map((k) => [k.jwk.kid, k.jwk.x, k.validUntil?.getTime() ?? null]),
      [...this.fromJwks.keys()],
    ]);
    if (this.cached?.fingerprint === fingerprint) return this.cached.set;
    const set = new KeySet();
    const add = (jwk: PublicJwk, validUntil: Date | null) => {
      try {
        set.add(jwk, validUntil);
      } catch (error) {
        this.logger.warn({ msg: 'ignored an unusable public key', kid: (jwk as { kid?: unknown }).kid, err: (error as Error).message });
      }
    };
    for (const key of stored) add(key.jwk, key.validUntil);
    // A key known only from the JWKS has no known end: the events give it one once it rotates out.
    for (const [kid, jwk] of this.fromJwks) if (!set.has(kid)) add(jwk, null);
    this.cached = { fingerprint, set };
    return set;
  }

  private fetchLater(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.fetch(), delayMs);
    this.timer.unref();
  }

  private async fetch(): Promise<void> {
    try {
      const reply = await firstValueFrom(this.client!.send<Reply<JwksResult>>(AuthPatterns.jwks, {}).pipe(timeout({ first: 3000 })));
      if (!reply?.ok) throw new Error(reply ? `${reply.error.code}: ${reply.error.message}` : 'no reply');
      for (const jwk of reply.value.keys) this.fromJwks.set(jwk.kid, jwk);
      this.logger.log({ msg: 'JWKS loaded from auth', kids: reply.value.keys.map((k) => k.kid) });
      await Promise.resolve(this.client?.close()).catch(() => undefined);
      this.client = null;
    } catch (error) {
      this.failures++;
      const delay = Math.min(1000 * 2 ** Math.min(this.failures - 1, 5), 30_000);
      // Auth may simply not be up yet (or not deployed beside us): the events carry the keys too.
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.log({
          msg: 'JWKS not fetched from auth yet; retrying',
          err: (error as Error).message,
          retryInMs: delay,
          failures: this.failures,
        });
      }
      this.fetchLater(delay);
    }
  }
}
