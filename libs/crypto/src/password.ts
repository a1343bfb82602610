import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing, ARCHITECTURE §7: PBKDF2-HMAC-SHA256, stored as a self-describing string
 * "pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>" so parameters can rise
 * and old hashes are re-hashed at sign-in. PBKDF2 runs on the libuv thread pool
 * (crypto.pbkdf2), never on the event loop.
 */
export interface PasswordHashParams {
  iterations: number;
  saltBytes: number;
  keyBytes: number;
}

export const CURRENT_PASSWORD_PARAMS: PasswordHashParams = Object.freeze({
  iterations: 600_000,
  saltBytes: 16,
  keyBytes: 32,
});

export const PASSWORD_HASH_ALGORITHM = 'pbkdf2-sha256';

// Floors below which a hash is not worth trusting: with a 1-byte key one wrong password in
// 256 would match. The ceilings keep a corrupted row from pinning a pool thread for minutes.
const MIN_SALT_BYTES = 8;
const MIN_KEY_BYTES = 16;
const MAX_SALT_OR_KEY_BYTES = 1024;
const MAX_STORED_ITERATIONS = 10_000_000;

interface ParsedHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, iterations: number, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keyBytes, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function assertParams(params: PasswordHashParams, name: string): void {
  const ok =
    Number.isSafeInteger(params.iterations) &&
    params.iterations >= 1 &&
    params.iterations <= MAX_STORED_ITERATIONS &&
    Number.isSafeInteger(params.saltBytes) &&
    params.saltBytes >= MIN_SALT_BYTES &&
    params.saltBytes <= MAX_SALT_OR_KEY_BYTES &&
    Number.isSafeInteger(params.keyBytes) &&
    params.keyBytes >= MIN_KEY_BYTES &&
    params.keyBytes <= MAX_SALT_OR_KEY_BYTES;
  if (!ok) {
    throw new RangeError(
      `${name}: iterations must be an integer in 1..${MAX_STORED_ITERATIONS}, saltBytes in ${MIN_SALT_BYTES}..${MAX_SALT_OR_KEY_BYTES}, keyBytes in ${MIN_KEY_BYTES}..${MAX_SALT_OR_KEY_BYTES}`,
    );
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Strict: Buffer.from(…, 'base64url') silently skips junk, so the text must round-trip. */
function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function parseStoredHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 4) return undefined;
  const [algorithm, iterationsText, saltText, hashText] = parts as [string, string, string, string];
  if (algorithm !== PASSWORD_HASH_ALGORITHM || !/^[1-9][0-9]{0,9}$/.test(iterationsText)) return undefined;
  const iterations = Number(iterationsText);
  const salt = decodeBase64url(saltText);
  const hash = decodeBase64url(hashText);
  if (iterations > MAX_STORED_ITERATIONS || !salt || !hash) return undefined;
  if (salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_OR_KEY_BYTES) return undefined;
  if (hash.length < MIN_KEY_BYTES || hash.length > MAX_SALT_OR_KEY_BYTES) return undefined;
  return { iterations, salt, hash };
}

export async function hashPassword(password: string, params: PasswordHashParams = CURRENT_PASSWORD_PARAMS): Promise<string> {
  assertParams(params, 'hashPassword');
  if (typeof password !== 'string') throw new TypeError('hashPassword: password must be a string');
  const salt = randomBytes(params.saltBytes);
  const hash = await derive(password, salt, params.iterations, params.keyBytes);
  return [PASSWORD_HASH_ALGORITHM, params.iterations, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

// What an unknown email or an unreadable row is checked against: the same work, never a match.
const DUMMY_SALT = Buffer.alloc(MAX_SALT_OR_KEY_BYTES, 0x5a);
const DUMMY_PASSWORD = 'idstream dummy password: never matches anything';

/**
 * stored === null (unknown email) or a malformed stored string: still does the same PBKDF2
 * work with `current` params against a fixed dummy and returns valid:false, so response time
 * does not tell whether an account exists. Compares in constant time. needsRehash is true when
 * the password is valid and the stored params are weaker than `current` (fewer iterations,
 * shorter salt or key); it is always false when valid is false, since only a verified password
 * may be re-hashed. Never rejects on bad input; rejects (RangeError) only when `current` itself
 * is out of range, which is a configuration bug.
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  current: PasswordHashParams = CURRENT_PASSWORD_PARAMS,
): Promise<{ valid: boolean; needsRehash: boolean }> {
  assertParams(current, 'verifyPassword');
  const parsed = typeof stored === 'string' ? parseStoredHash(stored) : undefined;
  if (!parsed || typeof password !== 'string') {
    const salt = DUMMY_SALT.subarray(0, current.saltBytes);
    const derived = await derive(DUMMY_PASSWORD, salt, current.iterations, current.keyBytes);
    // Also pay for the comparison a real check makes; the result is discarded.
    timingSafeEqual(derived, Buffer.alloc(derived.length));
    return { valid: false, needsRehash: false };
  }
  const derived = await derive(password, parsed.salt, parsed.iterations, parsed.hash.length);
  const valid = timingSafeEqual(derived, parsed.hash);
  const weaker = parsed.iterations < current.iterations || parsed.salt.length < current.saltBytes || parsed.hash.length < current.keyBytes;
  return { valid, needsRehash: valid && weaker };
}
