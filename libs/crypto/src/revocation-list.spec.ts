import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RevocationList } from './revocation-list';

const at = (iso: string): Date => new Date(iso);
const sec = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

describe('RevocationList', () => {
  it('revokes every token of a closed session issued before the close', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00.500Z'), at('2026-01-02T10:00:00Z'));
    assert.equal(list.isRevoked('s1', sec('2026-01-01T09:00:00Z')), true);
    assert.equal(list.isRevoked('s1', at('2026-01-01T09:59:59Z')), true);
    // iat is truncated to seconds: the same second as the close counts as before it.
    assert.equal(list.isRevoked('s1', sec('2026-01-01T10:00:00Z')), true);
  });

  it('does not revoke tokens issued after the close, nor other sessions', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
    assert.equal(list.isRevoked('s1', sec('2026-01-01T10:00:01Z')), false);
    assert.equal(list.isRevoked('s2', sec('2026-01-01T09:00:00Z')), false);
  });

  it('keeps the later instants when a session is added twice, in any order', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
    list.add('s1', at('2026-01-01T09:00:00Z'), at('2026-01-01T12:00:00Z'));
    assert.equal(list.size, 1);
    assert.equal(list.isRevoked('s1', sec('2026-01-01T09:30:00Z')), true);
    assert.equal(list.prune(at('2026-01-01T13:00:00Z')), 0, 'the later forgetAfter holds');
  });

  it('forgets a session once forgetAfter has passed', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'));
    list.add('s2', at('2026-01-01T10:00:00Z'), at('2026-01-01T12:00:00Z'));
    assert.equal(list.prune(at('2026-01-01T10:59:59Z')), 0);
    assert.equal(list.prune(at('2026-01-01T11:00:00Z')), 1);
    assert.equal(list.size, 1);
    assert.equal(list.isRevoked('s1', sec('2026-01-01T09:00:00Z')), false);
    assert.equal(list.isRevoked('s2', sec('2026-01-01T09:00:00Z')), true);
  });

  it('rejects bad input instead of storing it', () => {
    const list = new RevocationList();
    assert.throws(() => list.add('', at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z')), TypeError);
    assert.throws(() => list.add('s1', new Date('nope'), at('2026-01-01T11:00:00Z')), TypeError);
    assert.throws(() => list.add('s1', at('2026-01-01T10:00:00Z'), new Date(Number.NaN)), TypeError);
    assert.equal(list.size, 0);
  });

  it('treats an unreadable issued-at of a closed session as revoked', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'));
    assert.equal(list.isRevoked('s1', new Date('nope')), true);
  });

  it('keeps the reason of the close, the first one known', () => {
    const list = new RevocationList();
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
    list.add('s1', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'), 'sign-out-all');
    list.add('s1', at('2026-01-01T10:00:01Z'), at('2026-01-02T10:00:00Z'), 'admin');
    assert.deepEqual(list.revocationOf('s1', sec('2026-01-01T09:00:00Z')), { reason: 'sign-out-all' });
    assert.equal(list.revocationOf('s1', sec('2026-01-01T11:00:00Z')), null);
    assert.equal(list.revocationOf('s2', sec('2026-01-01T09:00:00Z')), null);
    list.add('s3', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'));
    assert.deepEqual(list.revocationOf('s3', sec('2026-01-01T09:00:00Z')), { reason: null });
    assert.throws(() => list.add('s4', at('2026-01-01T10:00:00Z'), at('2026-01-02T10:00:00Z'), ''), TypeError);
  });
});
