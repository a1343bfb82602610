import { errors, jwtVerify } from 'jose';
import type { ResolvedProvider } from './identity-providers';
import { ProviderUnavailable, type ProviderKeysCache } from './provider-keys';

/** What a verified ID token tells about its user. */
export interface ExternalClaims {
  issuer: string;
  subject: string;
  /** Only an email the provider says is verified (`email_verified: true`); otherwise null. */
  verifiedEmail: string | null;
  /** The token's `iat`, in seconds: how fresh a re-authentication is. */
  issuedAt: number;
}

export type VerifyOutcome =
  | { ok: true; claims: ExternalClaims }
  | { ok: false; code: 'EXTERNAL_TOKEN_INVALID'; reason: string }
  | { ok: false; code: 'PROVIDER_UNAVAILABLE'; reason: string };

/** Seconds of clock difference tolerated on exp, iat and nbf. */
export const CLOCK_TOLERANCE_SECONDS = 60;

/** jose errors that say the token itself is wrong (anything else: the provider's keys could not be had). */
const TOKEN_ERRORS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWSSignatureVerificationFailed,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JWSInvalid,
  errors.JWTInvalid,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
];

/**
 * Verifies an ID token of `provider`: the signature against the provider's JWKS with one of the
 * algorithms it advertises, `iss`, `aud` among the client ids, the times with a small leeway,
 * and `nonce` when the app sent one. Never throws; the outcome says which failure it was.
 */
export async function verifyIdToken(
  keys: ProviderKeysCache,
  provider: ResolvedProvider,
  idToken: string,
  nonce: string | undefined,
): Promise<VerifyOutcome> {
  try {
    const { getKey, algorithms } = await keys.keysOf(provider);
    const { payload } = await jwtVerify(idToken, getKey, {
      issuer: provider.issuer,
      audience: provider.clientIds,
      algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'iat', 'exp'],
    });
    // A token sent with a nonce must carry that nonce: one captured for another sign-in is refused.
    if (nonce !== undefined && payload['nonce'] !== nonce) return invalid('nonce');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) return invalid('sub');
    const email = payload['email'];
    // Apple sends email_verified as the string "true".
    const emailVerified = payload['email_verified'] === true || payload['email_verified'] === 'true';
    return {
      ok: true,
      claims: {
        issuer: provider.issuer,
        subject: payload.sub,
        verifiedEmail: emailVerified && typeof email === 'string' && email.length <= 320 ? email : null,
        issuedAt: payload.iat as number,
      },
    };
  } catch (err) {
    if (TOKEN_ERRORS.some((kind) => err instanceof kind)) return invalid((err as errors.JOSEError).code);
    const reason = err instanceof ProviderUnavailable ? err.message : (err as Error).name;
    return { ok: false, code: 'PROVIDER_UNAVAILABLE', reason };
  }
}

const invalid = (reason: string): VerifyOutcome => ({ ok: false, code: 'EXTERNAL_TOKEN_INVALID', reason });
