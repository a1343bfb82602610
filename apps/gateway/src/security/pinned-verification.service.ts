import { Inject, Injectable } from '@nestjs/common';
import { verifyAccessToken, type AccessTokenClaims, type TokenAlgorithm, type VerifyResult } from '@idstream/crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { readJwtHeader } from './jwt-shape';
import { VerificationKeys } from './verification-keys.service';
import { WorkspaceAlgorithms } from './workspace-algorithms.service';

/**
 * The one verification of an access token's signature and claims the gateway makes, for
 * TokenVerifier (every token route) and TokenIntrospector (RFC 7662): a known kid (an unknown
 * one refetches the JWKS, at most every 10 s), the alg pinned to its key and to the workspace's
 * tokenAlgorithm (WorkspaceAlgorithms, docs/architecture.md §7), the pinned issuer, not expired.
 * What a caller makes of the result (revocation, roles, scope; or an inactive answer) is its own.
 */
@Injectable()
export class PinnedVerification {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'tokenIssuer'>,
    @Inject(VerificationKeys) private readonly keys: Pick<VerificationKeys, 'set' | 'refreshForUnknownKid'>,
    @Inject(WorkspaceAlgorithms) private readonly algorithms: Pick<WorkspaceAlgorithms, 'accepts' | 'refreshAfterMiss'>,
  ) {}

  /** The verification's result; null when the token is not even shaped like a JWT. */
  async verifyPinned(token: string, now: Date): Promise<VerifyResult | null> {
    // A token whose signature a key still held checked before (a session's next request) is a
    // JWT of a known kid: its header is not read again here.
    if (this.keys.set.checkedToken(token, now) === undefined) {
      const header = readJwtHeader(token);
      if (header === null) return null;
      if (typeof header.kid === 'string' && !this.keys.set.has(header.kid)) await this.keys.refreshForUnknownKid(now.getTime());
    }
    // The workspace pin is asked only of a genuine token; one the view refuses (a workspace just
    // created or switched, maybe through another gateway) gets a reload (at most every 2 s) and a second try.
    let pinRefused = false;
    const acceptsAlgorithm = (alg: TokenAlgorithm, c: AccessTokenClaims): boolean => {
      const accepted = this.algorithms.accepts(c.aud, alg, c.iat);
      if (!accepted) pinRefused = true;
      return accepted;
    };
    const options = { keys: this.keys.set, issuer: this.config.tokenIssuer, now, acceptsAlgorithm };
    const result = await verifyAccessToken(token, options);
    if (!result.ok && pinRefused && (await this.algorithms.refreshAfterMiss())) return verifyAccessToken(token, options);
    return result;
  }
}
