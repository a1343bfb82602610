import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ProblemError } from '../http/problem';
import { TokenBucketLimiter } from './token-bucket-limiter';

/**
 * A coarse flood guard per client IP on the routes that need no customer token (anonymous,
 * register, sign-in, confirm, resend, reset). Per-email brute-force limits live in auth. The IP
 * is the socket's, or X-Forwarded-For's only when TRUST_PROXY=true.
 */
@Injectable()
export class EdgeRateLimiter {
  private readonly limiter: TokenBucketLimiter;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.limiter = new TokenBucketLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
  }

  check(ip: string, now = Date.now()): void {
    const taken = this.limiter.take(ip, now);
    if (!taken.ok)
      throw new ProblemError('RATE_LIMITED', 'Too many requests from this address; slow down', { retryAfter: taken.retryAfterSec });
  }
}
