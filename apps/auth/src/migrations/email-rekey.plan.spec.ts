import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planEmailRekey } from './email-rekey.plan';

const row = (profileId: string, email: string | null, key = email?.toLowerCase() ?? '', workspaceId = 'w1') => ({
  workspaceId,
  profileId,
  email,
  key,
});

describe('planEmailRekey', () => {
  it('moves a key to its canonical form (IDNA domain) and leaves canonical keys alone', () => {
    const plan = planEmailRekey([row('p1', 'Anna@B\u00fccher.de'), row('p2', 'kate@example.com')]);
    assert.deepEqual(plan.moves, [{ workspaceId: 'w1', from: 'anna@b\u00fccher.de', to: 'anna@xn--bcher-kva.de', profileId: 'p1' }]);
    assert.deepEqual(plan.collisions, []);
  });

  it('reports NFC and NFD of one address as a collision and moves neither', () => {
    const plan = planEmailRekey([row('p2', 'e\u0301lodie@example.com'), row('p1', '\u00e9lodie@example.com')]);
    assert.deepEqual(plan.moves, []);
    assert.deepEqual(plan.collisions, [{ workspaceId: 'w1', profileIds: ['p1', 'p2'] }]);
  });

  it('keeps workspaces apart', () => {
    const plan = planEmailRekey([
      row('p1', 'e\u0301lodie@example.com', undefined, 'w1'),
      row('p2', '\u00e9lodie@example.com', undefined, 'w2'),
    ]);
    assert.deepEqual(plan.collisions, []);
    assert.equal(plan.moves.length, 1);
  });

  it('reports an address without a canonical form (Kelvin sign, zero-width) and a row without one', () => {
    const plan = planEmailRekey([
      row('p1', '\u212Aate@example.com'),
      row('p2', 'ka\u200Bte@example.com'),
      row('p3', null, 'x@example.com'),
    ]);
    assert.deepEqual(
      plan.uncanonical.map((u) => u.profileId),
      ['p1', 'p2', 'p3'],
    );
    assert.deepEqual(plan.moves, []);
  });
});
