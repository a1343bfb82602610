import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RevocationList } from './revocation-list';

const at = (iso: string): Date => new Date(iso);
const sec = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

// Session ids as auth makes them (UUIDs: the compact table) and any other string (the Map beside it).
const ID_KINDS = {
  'other ids': (name: string) => name,
  'UUID ids': (name: string) => `00000000-0000-4000-8000-${Buffer.from(name.padStart(6, '_')).toString('hex').padStart(12, '0')}`,
};

for (const [kind, id] of Object.entries(ID_KINDS))
  describe(`RevocationList, ${kind}`, () => {
    it('revokes every token of a closed session issued before the close', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00.500Z'), at('2026-01-02T10:00:00Z'));
      assert.equal(list.isRevoked(id('s1'), sec('2026-01-01T09:00:00Z')), true);
      assert.equal(list.isRevoked(id('s1'), at('2026-01-01T09:59:59Z')), true);
      // iat is truncated to seconds: the same second as the close counts as before it.
      assert.equal(list.isRevoked(id('s1'), sec('2026-01-01T10:00:00Z')), true);
    });

    it('does not revoke tokens issued after the close, nor other sessions', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
      assert.equal(list.isRevoked(id('s1'), sec('2026-01-01T10:00:01Z')), false);
      assert.equal(list.isRevoked(id('s2'), sec('2026-01-01T09:00:00Z')), false);
    });

    it('keeps the later instants when a session is added twice, in any order', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
      list.add(id('s1'), at('2026-01-01T09:00:00Z'), at('2026-01-01T12:00:00Z'));
      assert.equal(list.size, 1);
      assert.equal(list.isRevoked(id('s1'), sec('2026-01-01T09:30:00Z')), true);
      assert.equal(list.prune(at('2026-01-01T13:00:00Z')), 0, 'the later forgetAfter holds');
    });

    it('forgets a session once forgetAfter has passed', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'));
      list.add(id('s2'), at('2026-01-01T10:00:00Z'), at('2026-01-01T12:00:00Z'));
      assert.equal(list.prune(at('2026-01-01T10:59:59Z')), 0);
      assert.equal(list.prune(at('2026-01-01T11:00:00Z')), 1);
      assert.equal(list.size, 1);
      assert.equal(list.isRevoked(id('s1'), sec('2026-01-01T09:00:00Z')), false);
      assert.equal(list.isRevoked(id('s2'), sec('2026-01-01T09:00:00Z')), true);
    });

    it('rejects bad input instead of storing it', () => {
      const list = new RevocationList();
      assert.throws(() => list.add('', at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z')), TypeError);
      assert.throws(() => list.add(id('s1'), new Date('nope'), at('2026-01-01T11:00:00Z')), TypeError);
      assert.throws(() => list.add(id('s1'), at('2026-01-01T10:00:00Z'), new Date(Number.NaN)), TypeError);
      assert.equal(list.size, 0);
    });

    it('treats an unreadable issued-at of a closed session as revoked', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'));
      assert.equal(list.isRevoked(id('s1'), new Date('nope')), true);
    });

    it('keeps the reason of the close, the first one known', () => {
      const list = new RevocationList();
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
      list.add(id('s1'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'), 'sign-out-all');
      list.add(id('s1'), at('2026-01-01T10:00:01Z'), at('2026-01-02T10:00:00Z'), 'admin');
      assert.deepEqual(list.revocationOf(id('s1'), sec('2026-01-01T09:00:00Z')), { reason: 'sign-out-all' });
      assert.equal(list.revocationOf(id('s1'), sec('2026-01-01T11:00:00Z')), null);
      assert.equal(list.revocationOf(id('s2'), sec('2026-01-01T09:00:00Z')), null);
      list.add(id('s3'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
      assert.deepEqual(list.revocationOf(id('s3'), sec('2026-01-01T09:00:00Z')), { reason: null });
      assert.throws(() => list.add(id('s4'), at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'), ''), TypeError);
    });
  });

/** What the list must answer, as the plain Map it was before it became compact. */
class ModelList {
  readonly sessions = new Map<string, { closedSec: number; forgetMs: number; reason: string | null }>();
  add(sessionId: string, closedMs: number, forgetMs: number, reason: string | null): void {
    const known = this.sessions.get(sessionId);
    this.sessions.set(sessionId, {
      closedSec: Math.max(Math.floor(closedMs / 1000), known?.closedSec ?? 0),
      forgetMs: Math.max(forgetMs, known?.forgetMs ?? 0),
      reason: known?.reason ?? reason,
    });
  }
}

describe('RevocationList, compact table', () => {
  const T0 = Date.parse('2026-01-01T00:00:00Z');

  it('answers as the plain Map would over any sequence of closes, checks and prunes', () => {
    const ids = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? `session-${i}` : randomUUID()));
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        id: fc.nat(ids.length - 1),
        closed: fc.nat(7200_000),
        ttl: fc.nat(7200_000),
        reason: fc.constantFrom(null, 'sign-out', 'admin'),
      }),
      fc.record({ kind: fc.constant('check' as const), id: fc.nat(ids.length - 1), iat: fc.nat(10_000) }),
      fc.record({ kind: fc.constant('prune' as const), at: fc.nat(15_000_000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const list = new RevocationList();
        const model = new ModelList();
        for (const o of ops) {
          if (o.kind === 'add') {
            const closed = T0 + o.closed;
            list.add(ids[o.id]!, new Date(closed), new Date(closed + o.ttl), o.reason);
            model.add(ids[o.id]!, closed, closed + o.ttl, o.reason);
          } else if (o.kind === 'check') {
            const iat = Math.floor(T0 / 1000) + o.iat;
            const m = model.sessions.get(ids[o.id]!);
            const expected = m && iat <= m.closedSec ? { reason: m.reason } : null;
            assert.deepEqual(list.revocationOf(ids[o.id]!, iat), expected);
          } else {
            // Forget instants are kept in whole seconds (rounded up): prune on second boundaries.
            const at = T0 + Math.floor(o.at / 1000) * 1000;
            const gone = [...model.sessions].filter(([, v]) => Math.ceil(v.forgetMs / 1000) * 1000 <= at);
            for (const [key] of gone) model.sessions.delete(key);
            assert.equal(list.prune(new Date(at)), gone.length);
          }
          assert.equal(list.size, model.sessions.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its first room and shrinks back once pruned, every session still found', () => {
    const list = new RevocationList();
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    ids.forEach((sid, i) => list.add(sid, new Date(T0), new Date(T0 + (i < 19_000 ? 60_000 : 3600_000)), 'sign-out'));
    assert.equal(list.size, 20_000);
    assert.ok(ids.every((sid) => list.isRevoked(sid, Math.floor(T0 / 1000))));
    assert.equal(list.isRevoked(randomUUID(), Math.floor(T0 / 1000)), false);
    assert.equal(list.prune(new Date(T0 + 60_000)), 19_000);
    assert.equal(list.size, 1000);
    assert.ok(ids.slice(19_000).every((sid) => list.revocationOf(sid, Math.floor(T0 / 1000))?.reason === 'sign-out'));
    assert.ok(ids.slice(0, 19_000).every((sid) => !list.isRevoked(sid, Math.floor(T0 / 1000))));
  });

  it('keeps upper-case and lower-case spellings of an id apart, as strings are', () => {
    const list = new RevocationList();
    const sid = randomUUID();
    list.add(sid.toUpperCase(), new Date(T0), new Date(T0 + 60_000));
    assert.equal(list.isRevoked(sid, Math.floor(T0 / 1000)), false);
    assert.equal(list.isRevoked(sid.toUpperCase(), Math.floor(T0 / 1000)), true);
  });
});
