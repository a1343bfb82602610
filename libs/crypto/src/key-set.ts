import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { isTokenAlgorithm, readAccessTokenClaims, type AccessTokenClaims, type PublicJwk, type TokenAlgorithm } from './tokens';

/** A token whose signature `key` found good: its header's alg and kid, its decoded payload (never handed out: claims are copies). */
export interface CheckedToken {
  key: KeyObject;
  kid: string;
  alg: TokenAlgorithm;
  payload: object;
}

interface TrustedKey {
  jwk: PublicJwk;
  key: KeyObject;
  alg: TokenAlgorithm;
  validUntil: Date | null;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const isB64 = (value: unknown, length?: number): value is string =>
  typeof value === 'string' && B64URL.test(value) && (length === undefined || value.length === length);

/**
 * Only the public members, with alg and use set; undefined for anything else: a private key
 * (`d`), an unknown kty or curve, an alg other than the key type's (alg absent means the key
 * type's), a use other than sig.
 */
function publicCopy(jwk: PublicJwk): PublicJwk | undefined {
  if (typeof jwk !== 'object' || jwk === null || 'd' in jwk) return undefined;
  const j = jwk as unknown as Record<string, unknown>;
  if (typeof j.kid !== 'string' || j.kid.length === 0) return undefined;
  if (j.use !== undefined && j.use !== 'sig') return undefined;
  if (j.alg !== undefined && !isTokenAlgorithm(j.alg)) return undefined;
  const kid = j.kid;
  if (j.kty === 'OKP' && j.crv === 'Ed25519' && isB64(j.x, 43) && (j.alg ?? 'EdDSA') === 'EdDSA') {
    return { kty: 'OKP', crv: 'Ed25519', x: j.x, kid, alg: 'EdDSA', use: 'sig' };
  }
  if (j.kty === 'EC' && j.crv === 'P-256' && isB64(j.x, 43) && isB64(j.y, 43) && (j.alg ?? 'ES256') === 'ES256') {
    return { kty: 'EC', crv: 'P-256', x: j.x, y: j.y, kid, alg: 'ES256', use: 'sig' };
  }
  if (j.kty === 'RSA' && isB64(j.n) && isB64(j.e) && (j.alg ?? 'RS256') === 'RS256') {
    return { kty: 'RSA', n: j.n, e: j.e, kid, alg: 'RS256', use: 'sig' };
  }
  return undefined;
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
   * Tokens whose signature was found good, each with the key object that checked it and what
   * verifying it decoded (bounded, oldest out): a session's next request skips the signature and
   * the decoding, the costliest steps (docs/benchmarks.md, the light routes).
   */
  private readonly checkedTokens = new Map<string, CheckedToken>();

  /** How many checked tokens are kept (about 1.5 KiB each). */
  static readonly CHECKED_SIGNATURES_KEPT = 4096;

  /**
   * What verifying exactly this token decoded, when its signature was already found good by the
   * key object this set still trusts for its kid at `now`. A signature's validity for given bytes
   * and key never changes, so a verifier may skip the check and the decoding; everything else
   * (alg, claims, expiry, pins) is checked again each time. A kid removed, replaced or retired
   * yields another key object (or none): no match.
   */
  checkedToken(token: string, now: Date): CheckedToken | undefined {
    const checked = this.checkedTokens.get(token);
    return checked && this.get(checked.kid, now) === checked.key ? checked : undefined;
  }

  rememberCheckedToken(token: string, checked: CheckedToken): void {
    if (this.checkedTokens.has(token)) return;
    if (this.checkedTokens.size >= KeySet.CHECKED_SIGNATURES_KEPT) this.checkedTokens.delete(this.checkedTokens.keys().next().value!);
    this.checkedTokens.set(token, checked);
  }

  /**
   * Adds or replaces the key with this kid (re-adding is how a key gets its validUntil once
   * rotated out). Throws (TypeError) for a JWK that is not a public Ed25519, P-256 or RSA key
   * with a kid, or whose alg does not match its key type: a key verifies one algorithm only.
   */
  add(jwk: PublicJwk, validUntil: Date | null = null): void {
    const copy = publicCopy(jwk);
    if (!copy) throw new TypeError('KeySet.add: expected a public Ed25519, P-256 or RSA JWK with a kid and a matching alg');
    if (validUntil !== null && Number.isNaN(validUntil.getTime())) throw new TypeError('KeySet.add: validUntil is an invalid date');
    const { kid, alg, use, ...material } = copy;
    void use;
    const key = createPublicKey({ key: material, format: 'jwk' });
    if (copy.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      throw new TypeError('KeySet.add: RSA key under 2048 bits');
    this.keys.set(kid, { jwk: copy, key, alg, validUntil });
  }

  /** The one algorithm the key of this kid verifies; undefined when unknown. */
  algorithmOf(kid: string): TokenAlgorithm | undefined {
    return this.keys.get(kid)?.alg;
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
  /**
   * The workspace pin: whether a token of this workspace (aud) issued at iat may be signed
   * with alg. Absent: any algorithm the key of the kid verifies. Asked only after the
   * signature checked out, so aud and iat are genuine.
   */
  acceptsAlgorithm?: (alg: TokenAlgorithm, claims: AccessTokenClaims) => boolean;
  now?: Date;
  clockToleranceSec?: number;
}

/** Far above any token we issue (~600 bytes); keeps junk from reaching the parsers. */
export const MAX_TOKEN_LENGTH = 8192;
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

const invalid = (reason: string): VerifyResult => ({ ok: false, code: 'TOKEN_INVALID', reason });

/**
 * Checks the access-token claims (types, issuer, audience, iat). Runs on an expired token's (authenticated)
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
 * Pins alg to the key of the kid (and, with acceptsAlgorithm, to the workspace's) and the issuer. TOKEN_EXPIRED for a genuine token past exp (beyond the
 * tolerance); TOKEN_INVALID for everything else: alg none, HS*, an alg other than the key's or the workspace's, a missing, unknown or
 * retired kid, a bad signature, iat or nbf in the future beyond clockToleranceSec (default 5),
 * a wrong issuer or audience, a missing or mistyped claim. Never throws.
 */
export function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<VerifyResult> {
  // Synchronous work (node:crypto); the promise stays for the callers, and for a verifier that may one day wait.
  return Promise.resolve(verifyNow(token, options));
}

function verifyNow(token: string, options: VerifyAccessTokenOptions): VerifyResult {
  try {
    const now = options.now ?? new Date();
    const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    if (Number.isNaN(now.getTime())) return invalid('verifier clock is an invalid date');
    if (!Number.isFinite(tolerance) || tolerance < 0) return invalid('clockToleranceSec must be a non-negative number');
    if (typeof token !== 'string' || token.length === 0) return invalid('no token');
    if (token.length > MAX_TOKEN_LENGTH) return invalid('token too long');

    const nowSec = Math.floor(now.getTime() / 1000);
    // A token seen before (a session's next request) skips the decoding and the signature.
    const seen = options.keys.checkedToken(token, now);
    let checkedToken: CheckedToken;
    if (seen) checkedToken = seen;
    else {
      const decoded = decodeAndCheckSignature(token, options.keys, now);
      if (!decoded.ok) return decoded.failure;
      checkedToken = decoded.checked;
    }
    const { alg, kid, payload } = checkedToken;
    const { exp, nbf, iss } = payload as { exp?: unknown; nbf?: unknown; iss?: unknown };
    if (iss !== options.issuer) return invalid('unexpected "iss" claim value');
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return invalid('"nbf" claim must be a number');
    if (typeof nbf === 'number' && nbf > nowSec + tolerance) return invalid('"nbf" claim timestamp check failed');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return invalid('"exp" claim must be a number');
    if (exp <= nowSec - tolerance) {
      const expired = checkClaims(payload, options, nowSec, tolerance);
      return expired.ok ? { ok: false, code: 'TOKEN_EXPIRED', reason: 'token expired' } : invalid(expired.reason);
    }
    const checked = checkClaims(payload, options, nowSec, tolerance);
    if (!checked.ok) return invalid(checked.reason);
    if (options.acceptsAlgorithm && options.acceptsAlgorithm(alg, checked.claims) !== true) {
      return invalid(`alg ${alg} is not the algorithm of workspace ${checked.claims.aud}`);
    }
    return { ok: true, claims: checked.claims, kid };
  } catch {
    // A throwing audience predicate, a hostile object passed as a token: still data, not a crash.
    return invalid('verification failed');
  }
}

/**
 * The header, the signature and the payload of a token not checked before: alg and kid pinned
 * to a key this set trusts at `now`, the signature good, the payload a JSON object. Remembered
 * in the set once it is all three.
 */
function decodeAndCheckSignature(
  token: string,
  keys: KeySet,
  now: Date,
): { ok: true; checked: CheckedToken } | { ok: false; failure: VerifyResult } {
  const fail = (reason: string) => ({ ok: false as const, failure: invalid(reason) });
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed token');
  }
  const { alg, kid } = header;
  if (!isTokenAlgorithm(alg)) return fail(`alg ${String(alg)} is not allowed`);
  if (typeof kid !== 'string' || kid.length === 0) return fail('no kid in the header');
  const key = keys.get(kid, now);
  if (!key) return fail('unknown or retired kid');
  // The alg is pinned to the key's, never taken from the token: no algorithm confusion.
  if (keys.algorithmOf(kid) !== alg) return fail(`alg ${alg} does not match the key of kid`);
  // jose's decoder took the header; the rest is checked here with node:crypto (synchronous,
  // tens of µs: WebCrypto's job and promise per token, which jose goes through, cost more).
  if (header.crit !== undefined || header.b64 !== undefined) return fail('unsupported header parameter (crit, b64)');
  const parts = token.split('.');
  if (parts.length !== 3) return fail('malformed token');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const signature = strictBase64url(encodedSignature);
  if (!signature) return fail('malformed signature');
  if (!verifiesSignature(alg, key, Buffer.from(`${encodedHeader}.${encodedPayload}`), signature))
    return fail('signature verification failed');
  // The signature checks out: the payload is genuine from here on.
  const payloadBytes = strictBase64url(encodedPayload);
  let payload: unknown;
  try {
    payload = payloadBytes ? JSON.parse(payloadBytes.toString('utf8')) : undefined;
  } catch {
    payload = undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail('payload is not a JSON object');
  const checked = { key, kid, alg, payload };
  keys.rememberCheckedToken(token, checked);
  return { ok: true, checked };
}

/** Base64url without padding, refusing anything that does not round-trip (Buffer.from skips junk). */
function strictBase64url(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** The JWS signature check of RFC 7518 for the algorithm pinned to the key. */
function verifiesSignature(alg: TokenAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' && verify(null, input, key, signature);
    case 'ES256':
      // JWS carries the raw r || s of 64 bytes (IEEE P1363), not DER.
      return (
        key.asymmetricKeyType === 'ec' && signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'RS256':
      return key.asymmetricKeyType === 'rsa' && verify('sha256', input, key, signature);
    default:
      return false;
  }
}
