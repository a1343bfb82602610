import type { AccessTokenClaims } from '@idstream/crypto';

/** RFC 7662 §2.2: an active token's claims, or only `active: false` (never why: that would help a forger). */
export type Introspection =
  | ({ active: true } & Pick<AccessTokenClaims, 'sub' | 'sid' | 'role' | 'uuid' | 'scope' | 'aud' | 'iss' | 'exp' | 'iat'>)
  | { active: false };

export const INACTIVE: Introspection = Object.freeze({ active: false });

/**
 * The answer for a token whose signature, issuer and lifetime were verified: inactive when it
 * belongs to another workspace than the asking server key's (a backend learns nothing about
 * other tenants' tokens) or its session was closed.
 */
export function introspectionOf(claims: AccessTokenClaims, workspaceId: string, revoked: boolean): Introspection {
  if (claims.aud !== workspaceId || revoked) return INACTIVE;
  const { sub, sid, role, uuid, scope, aud, iss, exp, iat } = claims;
  return { active: true, sub, sid, role, uuid, scope, aud, iss, exp, iat };
}
