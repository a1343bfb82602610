import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret (reset, confirmation and activation tokens, API keys), base64url. */
export function randomToken(bytes = 32): string {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw new RangeError('randomToken: bytes must be an integer in 1..1024');
  }
  return randomBytes(bytes).toString('base64url');
}

/** What is stored in place of a secret token, so a leaked table yields no usable token. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares two secrets in constant time whatever their lengths: both are hashed with SHA-256
 * first, so timingSafeEqual always sees 32 bytes and the length is not leaked either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  // A missing header arrives as undefined from untyped callers: that is a mismatch, not a crash.
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
