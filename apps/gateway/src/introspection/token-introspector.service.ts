import { Inject, Injectable } from '@nestjs/common';
import type { AccessTokenClaims } from '@idstream/crypto';
import { ProblemError } from '../http/problem';
import { IdentityFeed } from '../security/identity-feed.service';
import { PinnedVerification } from '../security/pinned-verification.service';
import { Revocations } from '../security/revocations.service';
import { VerificationKeys } from '../security/verification-keys.service';
import { INACTIVE, introspectionOf, type Introspection } from './token-introspection';
import { VerifiedTokens } from './verified-tokens';

/**
 * Introspection for a workspace's backend, answered from what the gateway already holds: the
 * signing keys and the revocation view. No call to auth on this path (an unknown kid refetches
 * the JWKS at most every 10 s, as for any token); a token verified once is answered from
 * VerifiedTokens until it expires. Until both views are loaded the answer would
 * be a guess, so it is a 503 instead.
 */
@Injectable()
export class TokenIntrospector {
  private readonly verified = new VerifiedTokens();

  constructor(
    @Inject(VerificationKeys) private readonly keys: VerificationKeys,
    @Inject(Revocations) private readonly revocations: Revocations,
    @Inject(IdentityFeed) private readonly feed: IdentityFeed,
    @Inject(PinnedVerification) private readonly pinned: PinnedVerification,
  ) {}

  async introspect(token: string, workspaceId: string, now = new Date()): Promise<Introspection> {
    if (!this.keys.loaded || !this.feed.caughtUp) {
      throw new ProblemError('SERVICE_UNAVAILABLE', 'Token verification is starting; retry shortly', { retryAfter: 1 });
    }
    const claims = this.verified.get(token, now, (kid) => this.keys.set.get(kid, now) !== undefined) ?? (await this.verify(token, now));
    if (claims === null) return INACTIVE;
    return introspectionOf(claims, workspaceId, this.revocations.isRevoked(claims.sid, claims.iat));
  }

  private async verify(token: string, now: Date): Promise<AccessTokenClaims | null> {
    // Pinned to the workspace's algorithm, as in TokenVerifier (docs/architecture.md §7).
    const result = await this.pinned.verifyPinned(token, now);
    if (result === null || !result.ok) return null;
    this.verified.remember(token, result.claims, result.kid);
    return result.claims;
  }
}
