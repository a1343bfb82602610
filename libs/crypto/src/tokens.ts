import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';

/**
 * Access tokens, ARCHITECTURE §6: JWTs signed with EdDSA (Ed25519), `kid` in the header.
 * Signing lives here; what a verifier trusts and how it checks a token is in key-set.ts.
 */
export const ACCESS_TOKEN_ALG = 'EdDSA';

/** The JWS algorithms a workspace may sign its tokens with (docs/architecture.md §7). */
export type TokenAlgorithm = 'EdDSA' | 'ES256' | 'RS256';
export const TOKEN_ALGORITHMS: readonly TokenAlgorithm[] = Object.freeze(['EdDSA', 'ES256', 'RS256'] as const);
export const DEFAULT_TOKEN_ALGORITHM: TokenAlgorithm = ACCESS_TOKEN_ALG;

export function isTokenAlgorithm(value: unknown): value is TokenAlgorithm {
  return typeof value === 'string' && (TOKEN_ALGORITHMS as readonly string[]).includes(value);
}

export type Role = 'anonymous' | 'customer';
export const ROLES: readonly Role[] = Object.freeze(['anonymous', 'customer'] as const);

export const ANONYMOUS_SCOPE = 'events:track account:register account:sign-in password:reset';
export const CUSTOMER_SCOPE = 'events:track account:read account:write password:change session:refresh session:sign-out';

export function scopeForRole(role: Role): string {
  switch (role) {
    case 'anonymous':
      return ANONYMOUS_SCOPE;
    case 'customer':
      return CUSTOMER_SCOPE;
    default: {
      const unknownRole: never = role;
      throw new TypeError(`unknown role ${String(unknownRole)}`);
    }
  }
}

export interface AccessTokenClaims {
  iss: string;
  /** workspace id */
  aud: string;
  /** profile id, or client uuid for anonymous */
  sub: string;
  /** device uuid */
  uuid: string;
  role: Role;
  scope: string;
  /** session id; anonymous tokens get a random one too */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/** A public signing key as published in the JWKS: one shape per TokenAlgorithm. */
export type PublicJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' }
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }
  | { kty: 'RSA'; n: string; e: string; kid: string; alg: 'RS256'; use: 'sig' };

export interface SigningKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
  createdAt: Date;
}

const STRING_CLAIMS = ['iss', 'aud', 'sub', 'uuid', 'scope', 'sid', 'jti'] as const;

/**
 * Checks that a payload carries every access-token claim with its type (role in the enum,
 * iat and exp integer seconds, exp after iat) and returns exactly those claims, dropping any
 * others. Errors as data: the reason names the first bad claim.
 */
export function readAccessTokenClaims(payload: unknown): { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'claims are not an object' };
  }
  const p = payload as Record<string, unknown>;
  for (const name of STRING_CLAIMS) {
    const value = p[name];
    // scope may legitimately be empty (no permission); every identifier must not.
    if (typeof value !== 'string' || (name !== 'scope' && value.length === 0)) {
      return { ok: false, reason: `claim "${name}" is missing or not a string` };
    }
  }
  if (typeof p.role !== 'string' || !(ROLES as readonly string[]).includes(p.role)) {
    return { ok: false, reason: 'claim "role" is missing or not a known role' };
  }
  for (const name of ['iat', 'exp'] as const) {
    const value = p[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      return { ok: false, reason: `claim "${name}" is missing or not a NumericDate in whole seconds` };
    }
  }
  if ((p.exp as number) <= (p.iat as number)) return { ok: false, reason: 'claim "exp" is not after "iat"' };
  return {
    ok: true,
    claims: {
      iss: p.iss as string,
      aud: p.aud as string,
      sub: p.sub as string,
      uuid: p.uuid as string,
      role: p.role as Role,
      scope: p.scope as string,
      sid: p.sid as string,
      jti: p.jti as string,
      iat: p.iat as number,
      exp: p.exp as number,
    },
  };
}

type WithoutKid<J> = J extends unknown ? Omit<J, 'kid'> : never;
type UnnamedJwk = WithoutKid<PublicJwk>;
/** The members RFC 7638 hashes, per key type. */
export type ThumbprintMembers =
  { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'RSA'; n: string; e: string };

/** RFC 7638 thumbprint: the key type's required members in lexicographic order. */
export function jwkThumbprint(jwk: ThumbprintMembers): string {
  let canonical: string;
  switch (jwk.kty) {
    case 'OKP':
      canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
      break;
    case 'EC':
      canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
      break;
    case 'RSA':
      canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
      break;
    default: {
      const unknown: never = jwk;
      throw new TypeError(`jwkThumbprint: unknown kty ${String((unknown as { kty: unknown }).kty)}`);
    }
  }
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The algorithm a private or public key signs with; undefined for any other key. */
function algorithmOfKey(key: KeyObject): TokenAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  return undefined;
}

function unnamedJwkOf(privateKey: KeyObject): UnnamedJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const str = (name: string): string => {
    const value = (jwk as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw new TypeError(`public key has no "${name}"`);
    return value;
  };
  const alg = algorithmOfKey(privateKey);
  switch (alg) {
    case 'EdDSA':
      return { kty: 'OKP', crv: 'Ed25519', x: str('x'), alg, use: 'sig' };
    case 'ES256':
      return { kty: 'EC', crv: 'P-256', x: str('x'), y: str('y'), alg, use: 'sig' };
    case 'RS256':
      return { kty: 'RSA', n: str('n'), e: str('e'), alg, use: 'sig' };
    case undefined:
      throw new TypeError(`expected an Ed25519, P-256 or RSA (>= 2048 bits) key, got ${String(privateKey.asymmetricKeyType)}`);
    default: {
      const unknown: never = alg;
      throw new TypeError(`unknown algorithm ${String(unknown)}`);
    }
  }
}

function generatePrivateKey(alg: TokenAlgorithm): Promise<KeyObject> {
  return new Promise<KeyObject>((resolve, reject) => {
    const done = (error: Error | null, _publicKey: KeyObject, key: KeyObject): void => (error ? reject(error) : resolve(key));
    switch (alg) {
      case 'EdDSA':
        return generateKeyPair('ed25519', {}, done);
      case 'ES256':
        return generateKeyPair('ec', { namedCurve: 'P-256' }, done);
      case 'RS256':
        return generateKeyPair('rsa', { modulusLength: 2048 }, done);
      default: {
        const unknown: never = alg;
        reject(new TypeError(`generateSigningKey: unknown algorithm ${String(unknown)}`));
      }
    }
  });
}

/** A fresh key for `alg` (Ed25519, P-256 or RSA-2048); its kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(now: Date = new Date(), alg: TokenAlgorithm = DEFAULT_TOKEN_ALGORITHM): Promise<SigningKey> {
  if (!isTokenAlgorithm(alg)) throw new TypeError(`generateSigningKey: unknown algorithm ${String(alg)}`);
  const privateKey = await generatePrivateKey(alg);
  const unnamed = unnamedJwkOf(privateKey);
  const kid = jwkThumbprint(unnamed);
  return { kid, alg, privateKey, publicJwk: { ...unnamed, kid } as PublicJwk, createdAt: now };
}

/** PKCS#8 PEM of the private key, for auth's own database. */
export function exportPrivateKey(key: SigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The algorithm follows from the key (Ed25519 → EdDSA, P-256 → ES256, RSA → RS256). Throws
 * (TypeError) for any other key: a boot-time configuration error.
 */
export function importSigningKey(kid: string, pkcs8Pem: string, createdAt: Date): SigningKey {
  if (typeof kid !== 'string' || kid.length === 0) throw new TypeError('importSigningKey: kid must be a non-empty string');
  const privateKey = createPrivateKey({ key: pkcs8Pem, format: 'pem' });
  const alg = algorithmOfKey(privateKey);
  if (!alg) throw new TypeError(`importSigningKey: expected an Ed25519, P-256 or RSA key, got ${String(privateKey.asymmetricKeyType)}`);
  return { kid, alg, privateKey, publicJwk: { ...unnamedJwkOf(privateKey), kid }, createdAt };
}

/**
 * Signs exactly the AccessTokenClaims (extra properties of `claims` are not copied). Throws
 * (TypeError) for claims a verifier would reject, since such a token is a programming error.
 */
export async function signAccessToken(key: SigningKey, claims: AccessTokenClaims): Promise<string> {
  const read = readAccessTokenClaims(claims);
  if (!read.ok) throw new TypeError(`signAccessToken: ${read.reason}`);
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(read.claims)).toString('base64url');
  const input = Buffer.from(`${header}.${payload}`);
  return `${header}.${payload}.${(await jwsSignature(key, input)).toString('base64url')}`;
}

/**
 * The JWS signature (RFC 7515/7518) with node:crypto. Ed25519 and P-256 sign synchronously
 * (tens of µs: cheaper than WebCrypto's job and promise, which jose goes through); RSA, a
 * millisecond or more, signs on libuv's pool so it never holds the event loop.
 */
function jwsSignature(key: SigningKey, input: Buffer): Promise<Buffer> | Buffer {
  switch (key.alg) {
    case 'EdDSA':
      return sign(null, input, key.privateKey);
    case 'ES256':
      // JWS takes the raw r || s (IEEE P1363), not DER.
      return sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return new Promise((resolve, reject) =>
        sign('sha256', input, key.privateKey, (error, signature) => (error ? reject(error) : resolve(signature))),
      );
    default: {
      const unknown: never = key.alg;
      throw new TypeError(`signAccessToken: unknown algorithm ${String(unknown)}`);
    }
  }
}

/** Scopes are space-separated (RFC 6749 §3.3); matches whole scope tokens only. */
export function hasScope(claims: Pick<AccessTokenClaims, 'scope'>, scope: string): boolean {
  if (typeof claims.scope !== 'string' || scope.length === 0 || scope.includes(' ')) return false;
  return claims.scope.split(' ').includes(scope);
}
