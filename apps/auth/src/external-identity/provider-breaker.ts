/** Raised when the provider's discovery or keys did not answer usably in time, or its breaker is open. */
export class ProviderUnavailable extends Error {}

export interface BreakerOptions {
  /** Consecutive failed fetches that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker answers at once, before one probe may go through (half-open). */
  openMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker for one identity provider's HTTP fetches (discovery, JWKS). Closed: fetches
 * go through, each bounded by its own timeout; `failureThreshold` failures in a row open it. Open:
 * for `openMs` every fetch fails at once with ProviderUnavailable (a 503 without waiting for a
 * timeout, and no pile of requests on a provider that is down). Then half-open: one fetch is let
 * through as a probe while the others still fail at once; its success closes the breaker, its
 * failure opens it again for another `openMs`. Only fetches pass through it: tokens verified
 * against keys already cached never wait on it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt < this.options.openMs ? 'open' : 'half-open';
  }

  async run<T>(fetchOnce: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open') throw new ProviderUnavailable('the provider failed repeatedly: its breaker is open');
    if (state === 'half-open') {
      if (this.probing) throw new ProviderUnavailable('the provider is being probed: its breaker is half-open');
      this.probing = true;
    }
    try {
      const result = await fetchOnce();
      this.failures = 0;
      this.openedAt = null;
      return result;
    } catch (err) {
      this.failures++;
      if (state === 'half-open' || this.failures >= this.options.failureThreshold) this.openedAt = this.now();
      throw err;
    } finally {
      if (state === 'half-open') this.probing = false;
    }
  }
}

/** One breaker per provider, the least recently used forgotten past `maxProviders`. */
export class ProviderBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly options: BreakerOptions & { maxProviders: number },
    private readonly now: () => number = Date.now,
  ) {}

  of(provider: string): CircuitBreaker {
    const breaker = this.breakers.get(provider) ?? new CircuitBreaker(this.options, this.now);
    this.breakers.delete(provider);
    this.breakers.set(provider, breaker);
    while (this.breakers.size > this.options.maxProviders) this.breakers.delete(this.breakers.keys().next().value as string);
    return breaker;
  }
}
