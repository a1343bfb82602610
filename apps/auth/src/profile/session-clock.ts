import type { AuthConfig } from '../config/auth.config';
import type { Clock } from './profile.commands';

/** The clock of session decisions: tokens issued now expire by now + the max token TTL. */
export function sessionClock(now: Date, config: Pick<AuthConfig, 'maxAccessTokenTtlSeconds'>): Clock {
  return { now: now.toISOString(), tokensExpireBy: new Date(now.getTime() + config.maxAccessTokenTtlSeconds * 1000).toISOString() };
}
