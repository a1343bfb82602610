import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFindProfiles, parseGetProfile } from './profile-query.parse';

describe('profile query parsing', () => {
  it('accepts a get with and without a position', () => {
    assert.deepEqual(parseGetProfile({ workspaceId: 'w', profileId: 'p' }), {
      ok: true,
      value: { workspaceId: 'w', profileId: 'p', position: null },
    });
    assert.deepEqual(parseGetProfile({ workspaceId: 'w', profileId: 'p', minPosition: 'agg:with:colons:7' }), {
      ok: true,
      value: { workspaceId: 'w', profileId: 'p', position: { aggregateId: 'agg:with:colons', sequence: 7 } },
    });
  });

  it('answers BAD_QUERY naming every bad field', () => {
    const r = parseGetProfile({ workspaceId: '', minPosition: 'nope' });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'BAD_QUERY');
      assert.deepEqual(
        r.error.errors?.map((e) => e.field),
        ['workspaceId', 'profileId', 'minPosition'],
      );
    }
    assert.equal(parseGetProfile(null).ok, false);
    assert.equal(parseGetProfile({ workspaceId: 'w', profileId: 'p', minPosition: 'a:0' }).ok, false);
    assert.equal(parseGetProfile({ workspaceId: 'w', profileId: 'x'.repeat(513) }).ok, false);
  });

  it('accepts the three lookups and nothing else', () => {
    for (const by of ['email', 'customId', 'uuid'] as const) {
      assert.deepEqual(parseFindProfiles({ workspaceId: 'w', by, value: 'v' }), {
        ok: true,
        value: { workspaceId: 'w', by, value: 'v', position: null },
      });
    }
    const bad = parseFindProfiles({ workspaceId: 'w', by: 'phone', value: '' });
    assert.equal(bad.ok, false);
    if (!bad.ok)
      assert.deepEqual(
        bad.error.errors?.map((e) => e.field),
        ['by', 'value'],
      );
  });
});
