import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * Access tokens, ARCHITECTURE §6: JWTs signed with EdDSA (Ed25519), `kid` in the header.
 * Signing lives here; what a verifier trusts and how it checks a token is in key-set.ts.
 */
export const ACCESS_TOKEN_ALG = 'EdDSA';

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

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
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

/** RFC 7638 thumbprint of an Ed25519 public key: its required members in lexicographic order. */
export function jwkThumbprint(jwk: Pick<PublicJwk, 'crv' | 'kty' | 'x'>): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

function publicJwkOf(privateKey: KeyObject, kid: string): PublicJwk {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('Ed25519 public key has no "x"');
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
}

/** A fresh Ed25519 key; its kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(now: Date = new Date()): Promise<SigningKey> {
  const privateKey = await new Promise<KeyObject>((resolve, reject) => {
    generateKeyPair('ed25519', {}, (error, _publicKey, key) => (error ? reject(error) : resolve(key)));
  });
  const unnamed = publicJwkOf(privateKey, '');
  const kid = jwkThumbprint(unnamed);
  return { kid, privateKey, publicJwk: { ...unnamed, kid }, createdAt: now };
}

/** PKCS#8 PEM of the private key, for auth's own database. */
export function exportPrivateKey(key: SigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Throws (TypeError) when the PEM is not an Ed25519 private key: a boot-time configuration error. */
export function importSigningKey(kid: string, pkcs8Pem: string, createdAt: Date): SigningKey {
  if (typeof kid !== 'string' || kid.length === 0) throw new TypeError('importSigningKey: kid must be a non-empty string');
  const privateKey = createPrivateKey({ key: pkcs8Pem, format: 'pem' });
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`importSigningKey: expected an ed25519 key, got ${String(privateKey.asymmetricKeyType)}`);
  }
  return { kid, privateKey, publicJwk: publicJwkOf(privateKey, kid), createdAt };
}

/**
 * Signs exactly the AccessTokenClaims (extra properties of `claims` are not copied). Throws
 * (TypeError) for claims a verifier would reject, since such a token is a programming error.
 */
export async function signAccessToken(key: SigningKey, claims: AccessTokenClaims): Promise<string> {
  const read = readAccessTokenClaims(claims);
  if (!read.ok) throw new TypeError(`signAccessToken: ${read.reason}`);
  return new SignJWT({ ...read.claims }).setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** Scopes are space-separated (RFC 6749 §3.3); matches whole scope tokens only. */
export function hasScope(claims: Pick<AccessTokenClaims, 'scope'>, scope: string): boolean {
  if (typeof claims.scope !== 'string' || scope.length === 0 || scope.includes(' ')) return false;
  return claims.scope.split(' ').includes(scope);
}
