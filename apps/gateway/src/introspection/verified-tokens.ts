import { DEFAULT_CLOCK_TOLERANCE_SEC, type AccessTokenClaims } from '@idstream/crypto';

const MAX_ENTRIES = 10_000;

/**
 * Tokens whose signature, issuer and claims were verified once, so that a backend introspecting
 * the same token again and again (per request of its own) costs a map lookup instead of an
 * Ed25519 verification (~0.15 ms of CPU, most of an introspection). What can change with time
 * is checked again on every hit: expiry and issued-at with the verifiers' clock tolerance, and
 * that the signing key is still valid; revocation and workspace are checked by the caller after
 * the cache, every time. A kid is the thumbprint of its key, so a cached token's key cannot be
 * swapped under it. Bounded: at most 10,000 tokens (about 10 MB), the oldest forgotten first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { claims: AccessTokenClaims; kid: string }>();

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly toleranceSec = DEFAULT_CLOCK_TOLERANCE_SEC,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a token verified before and still valid at `now`, else undefined. */
  get(token: string, now: Date, keyValid: (kid: string) => boolean): AccessTokenClaims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    const nowSec = Math.floor(now.getTime() / 1000);
    const { exp, iat } = entry.claims;
    if (exp <= nowSec - this.toleranceSec || !keyValid(entry.kid)) {
      this.entries.delete(token);
      return undefined;
    }
    return iat > nowSec + this.toleranceSec ? undefined : entry.claims;
  }

  remember(token: string, claims: AccessTokenClaims, kid: string): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { claims, kid });
  }
}
