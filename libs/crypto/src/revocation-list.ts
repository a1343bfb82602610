/**
 * The sessions whose tokens a verifier must reject, fed from `SessionClosed` events (and, in
 * the gateway, from its own sign-outs before the event arrives). Pure: time comes in as an
 * argument. Memory stays bounded because an entry is only needed until the last token of its
 * session has expired (`forgetAfter`, from the event), after which `prune` drops it.
 */
interface Revocation {
  /** Epoch ms: tokens of the session issued before (or in the same second as) this are revoked. */
  closedAt: number;
  /** Epoch ms: from then on no token of the session can still be valid. */
  forgetAfter: number;
  /** Why the session was closed (a SessionCloseReason), when the feeder knew it. */
  reason: string | null;
}

function epochMs(value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError(`RevocationList: ${name} is not a valid date`);
  return ms;
}

export class RevocationList {
  private readonly sessions = new Map<string, Revocation>();

  /**
   * Records that a session was closed. Idempotent; a second close of the same session keeps
   * the later instants, so replaying events in any order never shortens a revocation.
   */
  add(sessionId: string, closedAt: Date, forgetAfter: Date, reason: string | null = null): void {
    if (typeof sessionId !== 'string' || sessionId.length === 0)
      throw new TypeError('RevocationList: sessionId must be a non-empty string');
    const closed = epochMs(closedAt, 'closedAt');
    const forget = epochMs(forgetAfter, 'forgetAfter');
    if (reason !== null && (typeof reason !== 'string' || reason.length === 0))
      throw new TypeError('RevocationList: reason must be a non-empty string or null');
    const known = this.sessions.get(sessionId);
    this.sessions.set(sessionId, {
      closedAt: Math.max(closed, known?.closedAt ?? closed),
      forgetAfter: Math.max(forget, known?.forgetAfter ?? forget),
      // A session closes once: the first reason known stays (a close without one adds none).
      reason: known?.reason ?? reason,
    });
  }

  /**
   * Whether a token of `sessionId` issued at `issuedAt` is revoked. A number is a JWT `iat`
   * (epoch seconds). Because `iat` is truncated to whole seconds, a token issued in the same
   * second as the close counts as issued before it: a closed session never issues tokens again,
   * so erring this way rejects nothing legitimate.
   */
  isRevoked(sessionId: string, issuedAt: Date | number): boolean {
    return this.revocationOf(sessionId, issuedAt) !== null;
  }

  /** As isRevoked, but answers why: `{ reason }` (null when unknown) for a revoked token, else null. */
  revocationOf(sessionId: string, issuedAt: Date | number): { reason: string | null } | null {
    const entry = this.sessions.get(sessionId);
    if (!entry) return null;
    const issuedSec = typeof issuedAt === 'number' ? Math.floor(issuedAt) : Math.floor(issuedAt.getTime() / 1000);
    // NaN (a broken date) compares false below: treat it as revoked rather than let it through.
    if (Number.isNaN(issuedSec)) return { reason: entry.reason };
    return issuedSec <= Math.floor(entry.closedAt / 1000) ? { reason: entry.reason } : null;
  }

  /** Forgets the sessions whose every token has expired by `now`; returns how many went. */
  prune(now: Date): number {
    const nowMs = epochMs(now, 'now');
    let removed = 0;
    for (const [sessionId, entry] of this.sessions) {
      if (entry.forgetAfter <= nowMs) {
        this.sessions.delete(sessionId);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.sessions.size;
  }
}
