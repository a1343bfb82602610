import { Inject, Injectable } from '@nestjs/common';
import { RevocationList } from '@idstream/crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

export interface ClosedSessionNotice {
  sessionId: string;
  closedAt: string;
  forgetAfter: string;
  /** Why it was closed (SessionCloseReason), answered with TOKEN_REVOKED. */
  reason?: string;
}

/**
 * The sessions whose tokens the gateway rejects: fed by `SessionClosed` events, and at once by
 * the gateway itself when auth answers a command that closed sessions, so a client that signs
 * out and retries its old token is refused even before the event comes back over Kafka.
 */
@Injectable()
export class Revocations {
  readonly list = new RevocationList();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  isRevoked(sessionId: string, issuedAtSec: number): boolean {
    return this.list.isRevoked(sessionId, issuedAtSec);
  }

  /** Null when the token's session is open; else why it was closed (null reason: not known). */
  revocationOf(sessionId: string, issuedAtSec: number): { reason: string | null } | null {
    return this.list.revocationOf(sessionId, issuedAtSec);
  }

  fromEvent(notice: ClosedSessionNotice): void {
    this.list.add(notice.sessionId, new Date(notice.closedAt), new Date(notice.forgetAfter), reasonOf(notice));
  }

  /** A session the gateway saw auth close (sign-out): kept for the longest token lifetime. */
  closedNow(sessionId: string, reason: string | null = null, now = new Date()): void {
    this.list.add(sessionId, now, new Date(now.getTime() + this.config.maxAccessTokenTtlSeconds * 1000), reason);
  }

  /** Sessions a reply reports closed (`closedSessions`, see ClosedSessionsResult in @idstream/contracts), if any. */
  fromReply(value: unknown): void {
    const notices = (value as { closedSessions?: unknown } | null)?.closedSessions;
    if (!Array.isArray(notices)) return;
    for (const notice of notices as Partial<ClosedSessionNotice>[]) {
      if (typeof notice?.sessionId !== 'string' || notice.sessionId.length === 0) continue;
      const closedAt = new Date(notice.closedAt ?? Number.NaN);
      const forgetAfter = new Date(notice.forgetAfter ?? Number.NaN);
      const reason = reasonOf(notice);
      if (Number.isNaN(closedAt.getTime()) || Number.isNaN(forgetAfter.getTime())) this.closedNow(notice.sessionId, reason);
      else this.list.add(notice.sessionId, closedAt, forgetAfter, reason);
    }
  }

  prune(now = new Date()): number {
    return this.list.prune(now);
  }
}

function reasonOf(notice: Partial<ClosedSessionNotice>): string | null {
  return typeof notice.reason === 'string' && notice.reason.length > 0 && notice.reason.length <= 64 ? notice.reason : null;
}
