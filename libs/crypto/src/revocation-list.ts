/**
 * The sessions whose tokens a verifier must reject, fed from `SessionClosed` events (and, in
 * the gateway, from its own sign-outs before the event arrives). Pure: time comes in as an
 * argument. Memory stays bounded because an entry is only needed until the last token of its
 * session has expired (`forgetAfter`, from the event), after which `prune` drops it.
 *
 * Compact: the window may hold a million closed sessions (every sign-out of the last token
 * lifetime), and a Map of id strings to objects costs about 165 bytes each (bench
 * revocation-view). Session ids are UUIDs (auth makes them with randomUUID), so an entry is
 * seven 32-bit words in one typed array (the id's 128 bits, the close and forget instants in
 * whole seconds, the reason's number) found through an open-addressing index: about 40 bytes
 * each and nothing for the collector to trace. An id that is not a lowercase UUID goes to a
 * plain Map beside it, with the same rules.
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

/** Words per entry: id (4), closedAt (s, floor), forgetAfter (s, ceiling), reason number (0: none). */
const STRIDE = 7;
const CLOSED = 4;
const FORGET = 5;
const REASON = 6;
const MIN_ENTRIES = 1024;
const MAX_SECONDS = 0xffffffff;
/** Distinct reasons remembered (SessionCloseReason has eight); a reason past them is kept as unknown. */
const MAX_REASONS = 255;

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/** Hex digits `from` to `to` of `id` appended to `word`; a character that is no digit sets `bad`. */
let bad = 0;
function hex(id: string, from: number, to: number, word: number): number {
  for (let i = from; i < to; i++) {
    const code = id.charCodeAt(i);
    const digit = code < 128 ? HEX[code]! : -1;
    bad |= digit;
    word = (word << 4) | (digit & 15);
  }
  return word >>> 0;
}

/** The 128 bits of a lowercase UUID (8-4-4-4-12) into `out`; false for any other string. */
function uuidWords(id: string, out: Uint32Array): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45)
    return false;
  bad = 0;
  out[0] = hex(id, 0, 8, 0);
  out[1] = hex(id, 14, 18, hex(id, 9, 13, 0));
  out[2] = hex(id, 24, 28, hex(id, 19, 23, 0));
  out[3] = hex(id, 28, 36, 0);
  return bad >= 0;
}

const clampSeconds = (s: number): number => Math.min(MAX_SECONDS, Math.max(0, s));

export class RevocationList {
  /** Ids that are not lowercase UUIDs (tests, other issuers): the same rules, in a Map. */
  private readonly others = new Map<string, Revocation>();
  private entries = new Uint32Array(MIN_ENTRIES * STRIDE);
  private count = 0;
  /** Open addressing, linear probing: entry number + 1 per slot, 0 for an empty slot; at most half full. */
  private index = new Int32Array(MIN_ENTRIES * 2);
  private readonly reasons: (string | null)[] = [null];
  private readonly reasonNumbers = new Map<string, number>();
  private readonly key = new Uint32Array(4);

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
    if (!uuidWords(sessionId, this.key)) {
      const known = this.others.get(sessionId);
      this.others.set(sessionId, {
        closedAt: Math.max(closed, known?.closedAt ?? closed),
        forgetAfter: Math.max(forget, known?.forgetAfter ?? forget),
        // A session closes once: the first reason known stays (a close without one adds none).
        reason: known?.reason ?? reason,
      });
      return;
    }
    // Whole seconds: a token's iat is one, and keeping an entry up to a second longer is safe.
    const closedSec = clampSeconds(Math.floor(closed / 1000));
    const forgetSec = clampSeconds(Math.ceil(forget / 1000));
    const found = this.find();
    if (found >= 0) {
      const at = found * STRIDE;
      const e = this.entries;
      e[at + CLOSED] = Math.max(e[at + CLOSED]!, closedSec);
      e[at + FORGET] = Math.max(e[at + FORGET]!, forgetSec);
      if (e[at + REASON] === 0) e[at + REASON] = this.reasonNumber(reason);
      return;
    }
    if ((this.count + 1) * STRIDE > this.entries.length) this.allocateEntries((this.entries.length / STRIDE) * 2);
    if ((this.count + 1) * 2 > this.index.length) this.rebuildIndex(this.index.length * 2);
    const at = this.count * STRIDE;
    this.entries.set(this.key, at);
    this.entries[at + CLOSED] = closedSec;
    this.entries[at + FORGET] = forgetSec;
    this.entries[at + REASON] = this.reasonNumber(reason);
    this.insert(this.count);
    this.count++;
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
    let closedSec: number;
    let reason: string | null;
    if (typeof sessionId === 'string' && uuidWords(sessionId, this.key)) {
      const found = this.find();
      if (found < 0) return null;
      closedSec = this.entries[found * STRIDE + CLOSED]!;
      reason = this.reasons[this.entries[found * STRIDE + REASON]!] ?? null;
    } else {
      const entry = this.others.get(sessionId);
      if (!entry) return null;
      closedSec = Math.floor(entry.closedAt / 1000);
      reason = entry.reason;
    }
    const issuedSec = typeof issuedAt === 'number' ? Math.floor(issuedAt) : Math.floor(issuedAt.getTime() / 1000);
    // NaN (a broken date) compares false below: treat it as revoked rather than let it through.
    if (Number.isNaN(issuedSec)) return { reason };
    return issuedSec <= closedSec ? { reason } : null;
  }

  /** Forgets the sessions whose every token has expired by `now`; returns how many went. */
  prune(now: Date): number {
    const nowMs = epochMs(now, 'now');
    let removed = 0;
    for (const [sessionId, entry] of this.others) {
      if (entry.forgetAfter <= nowMs) {
        this.others.delete(sessionId);
        removed++;
      }
    }
    // Keep the live entries in place, in order, then index them again.
    const e = this.entries;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const at = i * STRIDE;
      if (e[at + FORGET]! * 1000 <= nowMs) continue;
      if (kept !== i) e.copyWithin(kept * STRIDE, at, at + STRIDE);
      kept++;
    }
    if (kept === this.count) return removed;
    removed += this.count - kept;
    this.count = kept;
    // A window that emptied gives its memory back (down to twice what is left).
    const capacity = this.entries.length / STRIDE;
    if (capacity > MIN_ENTRIES && kept * 4 < capacity) this.allocateEntries(Math.max(MIN_ENTRIES, kept * 2));
    let slots = this.index.length;
    while (slots > MIN_ENTRIES * 2 && kept * 8 < slots) slots /= 2;
    this.rebuildIndex(slots);
    return removed;
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** The entry number of the id in `this.key`, else -1. */
  private find(): number {
    const k = this.key;
    const mask = this.index.length - 1;
    const e = this.entries;
    for (let slot = hash(k[0]!, k[1]!, k[2]!, k[3]!) & mask; ; slot = (slot + 1) & mask) {
      const ref = this.index[slot]!;
      if (ref === 0) return -1;
      const at = (ref - 1) * STRIDE;
      if (e[at] === k[0] && e[at + 1] === k[1] && e[at + 2] === k[2] && e[at + 3] === k[3]) return ref - 1;
    }
  }

  private insert(entry: number): void {
    const e = this.entries;
    const at = entry * STRIDE;
    const mask = this.index.length - 1;
    let slot = hash(e[at]!, e[at + 1]!, e[at + 2]!, e[at + 3]!) & mask;
    while (this.index[slot] !== 0) slot = (slot + 1) & mask;
    this.index[slot] = entry + 1;
  }

  /** Room for `capacity` entries, the entries kept. */
  private allocateEntries(capacity: number): void {
    const next = new Uint32Array(capacity * STRIDE);
    next.set(this.entries.subarray(0, this.count * STRIDE));
    this.entries = next;
  }

  private rebuildIndex(slots: number): void {
    this.index = new Int32Array(slots);
    for (let i = 0; i < this.count; i++) this.insert(i);
  }

  private reasonNumber(reason: string | null): number {
    if (reason === null) return 0;
    const known = this.reasonNumbers.get(reason);
    if (known !== undefined) return known;
    if (this.reasons.length > MAX_REASONS) return 0;
    this.reasons.push(reason);
    this.reasonNumbers.set(reason, this.reasons.length - 1);
    return this.reasons.length - 1;
  }
}

/** Mixes the id's four words (UUID v7 ids share their leading time bits). */
function hash(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ d ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}
