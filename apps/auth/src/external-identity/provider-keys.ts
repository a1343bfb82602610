import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { ResolvedProvider } from './identity-providers';
import { ProviderBreakers, ProviderUnavailable, type CircuitBreaker } from './provider-breaker';

export { ProviderUnavailable } from './provider-breaker';

/** The keys of one issuer as verification needs them. */
export interface ProviderKeys {
  getKey: JWTVerifyGetKey;
  /** Asymmetric algorithms the provider advertises; never `none` or HS*. */
  algorithms: string[];
}

export interface ProviderKeysOptions {
  /** Each HTTP request (discovery, JWKS) is abandoned after this long: a 503, never a hang. */
  timeoutMs: number;
  /** A JWKS is refetched after this long even when every kid is known. */
  maxAgeMs: number;
  /** An unknown kid refetches the JWKS at most this often (jose's cooldown). */
  refetchCooldownMs: number;
  /** How many issuers' key sets are kept; the least recently used goes first. */
  maxIssuers: number;
  /** Consecutive failed fetches of one provider that open its breaker (provider-breaker.ts). */
  breakerFailures: number;
  /** How long an open breaker answers 503 at once before a probe may go through. */
  breakerOpenMs: number;
}

/** Asymmetric JWS algorithms; a provider advertising only others is refused. */
const ALLOWED = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
/** When a provider's discovery does not say: what OpenID Connect requires every provider to support. */
const DEFAULT_ALGORITHMS = ['RS256'];

interface Entry {
  keys: ProviderKeys;
  loadedAt: number;
}

/**
 * A bounded map of remote JWKS, one per (issuer, jwks URI): jose's `createRemoteJWKSet` caches
 * the keys and refetches on an unknown kid; this map bounds how many issuers are held and for
 * how long, so a workspace that configures many providers cannot grow the process without limit.
 */
export class ProviderKeysCache {
  private readonly entries = new Map<string, Entry>();
  private readonly breakers: ProviderBreakers;

  constructor(
    private readonly options: ProviderKeysOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.breakers = new ProviderBreakers(
      { failureThreshold: options.breakerFailures, openMs: options.breakerOpenMs, maxProviders: options.maxIssuers },
      now,
    );
  }

  async keysOf(provider: ResolvedProvider): Promise<ProviderKeys> {
    const id = `${provider.issuer} ${provider.jwksUri ?? ''}`;
    const cached = this.entries.get(id);
    if (cached && this.now() - cached.loadedAt < this.options.maxAgeMs) {
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached.keys;
    }
    const keys = await this.load(provider, this.breakers.of(id));
    this.entries.delete(id);
    this.entries.set(id, { keys, loadedAt: this.now() });
    while (this.entries.size > this.options.maxIssuers) this.entries.delete(this.entries.keys().next().value as string);
    return keys;
  }

  private async load(provider: ResolvedProvider, breaker: CircuitBreaker): Promise<ProviderKeys> {
    let jwksUri = provider.jwksUri;
    let algorithms = DEFAULT_ALGORITHMS;
    if (jwksUri === null) {
      const discovery = await breaker.run(() => this.discover(provider.issuer));
      jwksUri = discovery.jwksUri;
      algorithms = discovery.algorithms;
    }
    const getKey = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.options.timeoutMs,
      cooldownDuration: this.options.refetchCooldownMs,
      cacheMaxAge: this.options.maxAgeMs,
      // Every JWKS fetch (jose's, bounded by timeoutDuration) goes through the provider's breaker.
      [customFetch]: (url: string, init: RequestInit) => breaker.run(() => fetchJwks(url, init)),
    });
    return { getKey, algorithms };
  }

  private async discover(issuer: string): Promise<{ jwksUri: string; algorithms: string[] }> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'error' });
      if (!res.ok) throw new ProviderUnavailable(`discovery answered ${res.status}`);
      body = await res.json();
    } catch (err) {
      if (err instanceof ProviderUnavailable) throw err;
      throw new ProviderUnavailable(`discovery failed: ${(err as Error).name}`);
    }
    const doc = body as { issuer?: unknown; jwks_uri?: unknown; id_token_signing_alg_values_supported?: unknown };
    // OpenID Connect Discovery §4.3: the document's issuer must be the one asked for.
    if (doc.issuer !== issuer || typeof doc.jwks_uri !== 'string')
      throw new ProviderUnavailable('discovery document does not match the issuer');
    const advertised = Array.isArray(doc.id_token_signing_alg_values_supported)
      ? doc.id_token_signing_alg_values_supported
      : DEFAULT_ALGORITHMS;
    const algorithms = advertised.filter((a): a is string => typeof a === 'string' && ALLOWED.has(a));
    if (algorithms.length === 0) throw new ProviderUnavailable('provider advertises no asymmetric algorithm');
    return { jwksUri: doc.jwks_uri, algorithms };
  }
}

/**
 * One JWKS fetch with jose's request (its timeout signal): a failure the breaker counts is an
 * error, a non-200 answer or a body that does not arrive in time; the body is read here so that
 * a provider that sends headers and then stalls counts too.
 */
async function fetchJwks(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, init);
    body = await res.text();
  } catch (err) {
    throw new ProviderUnavailable(`JWKS fetch failed: ${(err as Error).name}`);
  }
  if (res.status !== 200) throw new ProviderUnavailable(`JWKS answered ${res.status}`);
  return new Response(body, { status: 200, headers: res.headers });
}
