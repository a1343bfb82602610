import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuthPatterns, type JwksResult, type SigningKeyRotatedData } from '@idstream/contracts';
import { KeySet, type PublicJwk } from '@idstream/crypto';
import { JwksLoader } from '@idstream/runtime';
import { AuthClient } from '../rpc/rpc.clients';

/**
 * The public keys the gateway verifies access tokens with (auth's `SigningKeys` holds the
 * private ones): fetched from auth at start by the shared `JwksLoader` (retried in the
 * background until auth answers), refetched when a token names an unknown kid (at most every
 * 10 s), and extended by `SigningKeyRotated` events from identity.events.
 */
@Injectable()
export class VerificationKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly set = new KeySet();
  private readonly logger = new Logger('VerificationKeys');
  private readonly jwks: JwksLoader;

  constructor(@Inject(AuthClient) auth: AuthClient) {
    this.jwks = new JwksLoader({
      name: 'GatewayJwks',
      fetch: () => auth.call<JwksResult>(AuthPatterns.jwks, {}),
      // Keys already held keep the validUntil a rotation event gave them.
      onKeys: (keys) => keys.forEach((jwk) => this.addKey(jwk, null, false)),
      retry: { firstMs: 250, maxMs: 5000 },
      refetchAtMostEveryMs: 10_000,
    });
  }

  /** True once auth answered the JWKS once. */
  get loaded(): boolean {
    return this.jwks.loaded;
  }

  onApplicationBootstrap(): void {
    this.jwks.start();
  }

  onApplicationShutdown(): void {
    this.jwks.stop();
  }

  /** Called when a token names a kid the set does not hold; rate-limited, never throws. */
  refreshForUnknownKid(now = Date.now()): Promise<void> {
    return this.jwks.refetch(now);
  }

  /** A rotation: the new key verifies at once; the previous one until its last token expires. */
  onKeyRotated(data: SigningKeyRotatedData): void {
    this.addKey(data.publicJwk, null, false);
    if (data.previousKid !== null && data.previousValidUntil !== null) {
      const previous = this.set.jwks(new Date(0)).keys.find((k) => k.kid === data.previousKid);
      if (previous) this.addKey(previous, new Date(data.previousValidUntil), true);
    }
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
