import { Logger } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { DataSource } from 'typeorm';
import { AuthPatterns, type JwksResult, type Reply } from '@idstream/contracts';
import { KeySet, type PublicJwk } from '@idstream/crypto';
import { JwksLoader } from '@idstream/runtime';
import type { IdentityViewStore } from '../identity/identity-view.store';

/**
 * The public keys tokens are verified with: every key announced by `SigningKeyRotated` on
 * identity.events (kept in tracking.signing_keys with the end of its validity), plus the keys
 * `auth` lists in its JWKS over TCP, loaded once at start in the background by the shared
 * `JwksLoader` and retried until auth answers — optional, since the events alone carry every
 * key auth ever made.
 */
export class VerificationKeys {
  private readonly logger = new Logger('VerificationKeys');
  private readonly fromJwks = new Map<string, PublicJwk>();
  private cached: { fingerprint: string; set: KeySet } | null = null;
  private client: ClientProxy | null = null;
  private jwks: JwksLoader | null = null;

  constructor(
    private readonly store: IdentityViewStore,
    private readonly auth: { host: string; port: number } | null,
  ) {}

  /** Starts loading auth's JWKS in the background (never blocks, never throws). */
  start(): void {
    if (!this.auth) return;
    const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: this.auth.host, port: this.auth.port } });
    this.client = client;
    this.jwks = new JwksLoader({
      name: 'IngesterJwks',
      fetch: async () => {
        const reply = await firstValueFrom(client.send<Reply<JwksResult>>(AuthPatterns.jwks, {}).pipe(timeout({ first: 3000 })));
        if (!reply?.ok) throw new Error(reply ? `${reply.error.code}: ${reply.error.message}` : 'no reply');
        return reply.value;
      },
      onKeys: (keys) => {
        for (const jwk of keys) this.fromJwks.set(jwk.kid, jwk);
        // One load is enough: the events carry every later key.
        void this.closeClient();
      },
      retry: { firstMs: 1000, maxMs: 30_000 },
    });
    this.jwks.start();
  }

  async stop(): Promise<void> {
    this.jwks?.stop();
    await this.closeClient();
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    await Promise.resolve(client?.close()).catch(() => undefined);
  }

  /** The current key set; rebuilt only when the stored keys changed. */
  async keySet(db: DataSource): Promise<KeySet> {
    const stored = await this.store.keys(db);
    const fingerprint = JSON.stringify([
      stored.map((k) => [JSON.stringify(k.jwk), k.validUntil?.getTime() ?? null]),
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
}
