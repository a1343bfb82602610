import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Caller } from '@idstream/contracts';
import { hasScope, type Role } from '@idstream/crypto';
import { ProblemError } from '../http/problem';
import { IdentityFeed } from './identity-feed.service';
import { PinnedVerification } from './pinned-verification.service';
import { Revocations } from './revocations.service';
import { VerificationKeys } from './verification-keys.service';

export interface VerifiedToken {
  caller: Caller;
  issuedAt: number;
}

/**
 * Verifies access tokens locally (ARCHITECTURE §6): the pinned verification (PinnedVerification:
 * a known kid, alg pinned to its key and to the workspace's tokenAlgorithm, the pinned issuer,
 * not expired), its session not revoked, then the route's roles and scope. Tokens are refused
 * with 503 until both the signing keys and the revocations are loaded, so a gateway that has
 * just started never accepts a token it would reject a second later.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger('TokenVerifier');

  constructor(
    @Inject(VerificationKeys) private readonly keys: VerificationKeys,
    @Inject(Revocations) private readonly revocations: Revocations,
    @Inject(IdentityFeed) private readonly feed: IdentityFeed,
    @Inject(PinnedVerification) private readonly pinned: PinnedVerification,
  ) {}

  async verify(token: string, rule: { roles: Role[]; scope?: string }, now = new Date()): Promise<VerifiedToken> {
    if (!this.keys.loaded || !this.feed.caughtUp) {
      throw new ProblemError('SERVICE_UNAVAILABLE', 'Token verification is starting; retry shortly', { retryAfter: 1 });
    }
    const result = await this.pinned.verifyPinned(token, now);
    if (result === null) throw new ProblemError('UNAUTHORIZED', 'The access token is not a JWT');
    if (!result.ok) {
      this.logger.debug({ msg: 'access token refused', code: result.code, reason: result.reason });
      if (result.code === 'TOKEN_EXPIRED') throw new ProblemError('TOKEN_EXPIRED', 'The access token has expired');
      throw new ProblemError('UNAUTHORIZED', 'The access token is not valid');
    }
    const { claims } = result;
    const revoked = this.revocations.revocationOf(claims.sid, claims.iat);
    if (revoked) {
      // The reason (API.md's list) lets a client show why it was signed out.
      throw new ProblemError('TOKEN_REVOKED', 'The session of this token was closed', revoked.reason ? { reason: revoked.reason } : {});
    }
    if (!rule.roles.includes(claims.role)) {
      throw new ProblemError('FORBIDDEN', `This route takes a token of role ${rule.roles.join(' or ')}`);
    }
    if (rule.scope !== undefined && !hasScope(claims, rule.scope))
      throw new ProblemError('INSUFFICIENT_SCOPE', `The token lacks the scope ${rule.scope}`);
    return {
      caller: {
        workspaceId: claims.aud,
        subject: claims.sub,
        uuid: claims.uuid,
        role: claims.role,
        sessionId: claims.sid,
        tokenId: claims.jti,
      },
      issuedAt: claims.iat,
    };
  }
}
