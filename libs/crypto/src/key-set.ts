import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ACCESS_TOKEN_ALG, readAccessTokenClaims, type AccessTokenClaims, type PublicJwk } from './tokens';

interface TrustedKey {
  jwk: PublicJwk;
  key: KeyObject;
  validUntil: Date | null;
}

function isExpired(entry: TrustedKey, now: Date): boolean {
  return entry.validUntil !== null && now.getTime() >= entry.validUntil.getTime();
}

/**
 * The public keys a verifier trusts: the current key, and previous keys until their
 * validUntil (a rotated-out key must keep verifying the tokens it signed until they expire).
 */
export class KeySet {
  private readonly keys = new Map<string, TrustedKey>();

  /**
   * Adds or replaces the key with this kid (re-adding is how a key gets its validUntil once
   * rotated out). Throws (TypeError) for a JWK that is not an Ed25519 public key.
   */
  add(jwk: PublicJwk, validUntil: Date | null = null): void {
    const valid =
      typeof jwk === 'object' &&
      jwk !== null &&
      jwk.kty === 'OKP' &&
      jwk.crv === 'Ed25519' &&
      typeof jwk.kid === 'string' &&
      jwk.kid.length > 0 &&
      typeof jwk.x === 'string' &&
      /^[A-Za-z0-9_-]{43}$/.test(jwk.x) &&
      (jwk.alg === undefined || jwk.alg === ACCESS_TOKEN_ALG) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      !('d' in jwk);
    if (!valid) throw new TypeError('KeySet.add: expected a public Ed25519 JWK with a kid');
    if (validUntil !== null && Number.isNaN(validUntil.getTime())) throw new TypeError('KeySet.add: validUntil is an invalid date');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    const copy: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
    this.keys.set(jwk.kid, { jwk: copy, key, validUntil });
  }

  remove(kid: string): void {
    this.keys.delete(kid);
  }

  /** Whether the kid is held, expired or not. */
  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** undefined when the kid is unknown or `now` is at or past its validUntil. */
  get(kid: string, now: Date = new Date()): KeyObject | undefined {
    const entry = this.keys.get(kid);
    return entry && !isExpired(entry, now) ? entry.key : undefined;
  }

  /** validUntil of a held key (null: no end), undefined when unknown. */
  validUntil(kid: string): Date | null | undefined {
    const entry = this.keys.get(kid);
    return entry ? entry.validUntil : undefined;
  }

  /** The keys still valid at `now`, for /.well-known/jwks.json. */
  jwks(now: Date = new Date()): { keys: PublicJwk[] } {
    const keys: PublicJwk[] = [];
    for (const entry of this.keys.values()) if (!isExpired(entry, now)) keys.push({ ...entry.jwk });
    return { keys };
  }

  /** Forgets the keys past their validUntil; returns how many went. */
  prune(now: Date = new Date()): number {
    let removed = 0;
    for (const [kid, entry] of this.keys) {
      if (isExpired(entry, now)) {
        this.keys.delete(kid);
        removed++;
      }
    }
    return removed;
  }

  /** Every held key, expired ones included until removed or pruned. */
  get size(): number {
    return this.keys.size;
  }
}

export type VerifyFailure = 'TOKEN_EXPIRED' | 'TOKEN_INVALID';
export type VerifyResult = { ok: true; claims: AccessTokenClaims; kid: string } | { ok: false; code: VerifyFailure; reason: string };

export interface VerifyAccessTokenOptions {
  keys: KeySet;
  issuer: string;
  /** The workspace id, or a predicate on the aud claim (e.g. "is a known workspace"). */
  audience?: string | ((aud: string) => boolean);
  now?: Date;
  clockToleranceSec?: number;
}

/** Far above any token we issue (~600 bytes); keeps junk from reaching the parsers. */
export const MAX_TOKEN_LENGTH = 8192;
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

const invalid = (reason: string): VerifyResult => ({ ok: false, code: 'TOKEN_INVALID', reason });

/**
 * Checks the claims jose does not know about. Runs on an expired token's (authenticated)
 * payload too, so TOKEN_EXPIRED only ever means "genuine, ours, well-formed, just expired" —
 * the one case where a client should re-authenticate rather than give up.
 */
function checkClaims(
  payload: unknown,
  options: VerifyAccessTokenOptions,
  nowSec: number,
  tolerance: number,
): { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string } {
  const read = readAccessTokenClaims(payload);
  if (!read.ok) return read;
  const { claims } = read;
  if (claims.iss !== options.issuer) return { ok: false, reason: 'unexpected issuer' };
  const { audience } = options;
  if (typeof audience === 'string' && claims.aud !== audience) return { ok: false, reason: 'unexpected audience' };
  if (typeof audience === 'function' && audience(claims.aud) !== true) return { ok: false, reason: 'unexpected audience' };
  if (claims.iat > nowSec + tolerance) return { ok: false, reason: 'issued in the future' };
  return read;
}

/**
 * Pins alg EdDSA and the issuer. TOKEN_EXPIRED for a genuine token past exp (beyond the
 * tolerance); TOKEN_INVALID for everything else: alg none, HS*, RS*, a missing, unknown or
 * retired kid, a bad signature, iat or nbf in the future beyond clockToleranceSec (default 5),
 * a wrong issuer or audience, a missing or mistyped claim. Never throws.
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<VerifyResult> {
  try {
    const now = options.now ?? new Date();
    const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    if (Number.isNaN(now.getTime())) return invalid('verifier clock is an invalid date');
    if (!Number.isFinite(tolerance) || tolerance < 0) return invalid('clockToleranceSec must be a non-negative number');
    if (typeof token !== 'string' || token.length === 0) return invalid('no token');
    if (token.length > MAX_TOKEN_LENGTH) return invalid('token too long');

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return invalid('malformed token');
    }
    if (header.alg !== ACCESS_TOKEN_ALG) return invalid(`alg ${String(header.alg)} is not allowed`);
    const { kid } = header;
    if (typeof kid !== 'string' || kid.length === 0) return invalid('no kid in the header');
    const key = options.keys.get(kid, now);
    if (!key) return invalid('unknown or retired kid');

    const nowSec = Math.floor(now.getTime() / 1000);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: options.issuer,
        currentDate: now,
        clockTolerance: tolerance,
      }));
    } catch (error) {
      // jose checks the signature before any claim, so an expired token's payload is genuine.
      if (error instanceof errors.JWTExpired) {
        const expired = checkClaims(error.payload, options, nowSec, tolerance);
        return expired.ok ? { ok: false, code: 'TOKEN_EXPIRED', reason: 'token expired' } : invalid(expired.reason);
      }
      return invalid(error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : 'verification failed');
    }
    const checked = checkClaims(payload, options, nowSec, tolerance);
    return checked.ok ? { ok: true, claims: checked.claims, kid } : invalid(checked.reason);
  } catch {
    // A throwing audience predicate, a hostile object passed as a token: still data, not a crash.
    return invalid('verification failed');
  }
}
