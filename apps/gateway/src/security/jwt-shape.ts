/** The protected header of a compact JWS, when a string has that shape. */
export interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
}

const PART = /^[A-Za-z0-9_-]+$/;

/**
 * Reads the header of something shaped like a JWT: three base64url parts joined by dots, the
 * first of which decodes to a JSON object. Verifies nothing: used to recognise a client token
 * sent where a server key belongs (403, not 401) and to see a token's kid before verifying it.
 */
export function readJwtHeader(token: string): JwtHeader | null {
  if (typeof token !== 'string' || token.length > 8192) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !PART.test(parts[0]!) || !PART.test(parts[1]!) || (parts[2]!.length > 0 && !PART.test(parts[2]!))) return null;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return typeof header === 'object' && header !== null && !Array.isArray(header) ? header : null;
}

export function looksLikeJwt(token: string): boolean {
  return readJwtHeader(token) !== null;
}

/** The credential of `Authorization: Bearer <credential>`, or null when the header is absent or another scheme. */
export function bearerCredential(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization);
  return match ? match[1]! : null;
}
