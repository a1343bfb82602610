import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '@idstream/crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { gatewayMetrics } from '../http/http-metrics';
import { ProblemError } from '../http/problem';
import { TokenBucketLimiter } from './token-bucket-limiter';

/** How many workspaces' worth of traffic one address may send in all before it is held back. */
export const ADDRESS_CEILING_FACTOR = 10;

/**
 * A coarse flood guard per client IP on the routes that need no customer token (anonymous,
 * register, sign-in, confirm, resend, reset). Per-email brute-force limits live in auth. The IP
 * is the socket's, or X-Forwarded-For's only when TRUST_PROXY=true.
 *
 * Buckets are per workspace AND address (GATEWAY_RATE_LIMIT_*), so that one NAT address busy
 * in one workspace (an office, a mobile carrier) does not lock it out of every other. The
 * workspace is the token's audience, or the client API key on the anonymous route; a request
 * whose workspace is not known (no token, a forged one) counts in the address's own bucket of
 * the same size. Above them, each address has a ceiling of ADDRESS_CEILING_FACTOR times the
 * limit over all workspaces, checked before any credential: many made-up API keys do not buy
 * an address unlimited requests.
 */
@Injectable()
export class EdgeRateLimiter {
  private readonly perWorkspace: TokenBucketLimiter;
  private readonly perAddress: TokenBucketLimiter;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'rateLimit'>) {
    const { perSecond, burst } = config.rateLimit;
    this.perWorkspace = new TokenBucketLimiter(perSecond, burst);
    this.perAddress = new TokenBucketLimiter(perSecond * ADDRESS_CEILING_FACTOR, burst * ADDRESS_CEILING_FACTOR);
  }

  /** The address's ceiling over all workspaces: before the credential is checked. */
  checkAddress(ip: string, now = Date.now()): void {
    refuseUnless(this.perAddress.take(ip, now), 'address');
  }

  /** The bucket of this workspace (null: not known) and address: once the credential told the workspace. */
  check(ip: string, workspace: string | null, now = Date.now()): void {
    refuseUnless(this.perWorkspace.take(`${workspace ?? '-'} ${ip}`, now), 'workspace');
  }
}

/** The workspace label of a client API key (hashed: bucket keys never hold a credential). */
export function apiKeyWorkspace(apiKey: unknown): string | null {
  return typeof apiKey === 'string' && apiKey.length > 0 ? `key:${sha256Hex(apiKey).slice(0, 32)}` : null;
}

function refuseUnless(taken: ReturnType<TokenBucketLimiter['take']>, bucket: 'address' | 'workspace'): void {
  if (taken.ok) return;
  gatewayMetrics.rateLimited.inc({ bucket });
  throw new ProblemError('RATE_LIMITED', 'Too many requests from this address; slow down', { retryAfter: taken.retryAfterSec });
}
