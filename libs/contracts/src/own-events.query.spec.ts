import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkOwnEventsQuery } from './own-events.query';

const now = Date.parse('2026-12-01T12:00:00.000Z');
const fields = (r: ReturnType<typeof checkOwnEventsQuery>) => (r.ok ? [] : r.errors.map((e) => e.field));

describe('own events query rules', () => {
  it('fills in to = now and the default limit', () => {
    assert.deepEqual(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z' }, now), {
      ok: true,
      value: { from: Date.parse('2026-11-01T00:00:00Z'), to: now, types: null, limit: 100, cursor: null },
    });
  });

  it('allows exactly 90 days and refuses a millisecond more', () => {
    assert.ok(checkOwnEventsQuery({ from: '2026-09-02T12:00:00.000Z' }, now).ok);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-09-02T11:59:59.999Z' }, now)), ['from']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2025-01-01T00:00:00Z', to: '2025-05-01T00:00:00Z' }, now)), ['from']);
  });

  it('refuses bad times, an empty or reversed window, bad types, limits and cursors', () => {
    assert.deepEqual(fields(checkOwnEventsQuery({ from: 'yesterday' }, now)), ['from']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01', to: '2026-11-02T00:00:00Z' }, now)), ['from']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', to: '2026-02-30T00:00:00Z' }, now)), ['to']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, now)), ['from']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', types: [] }, now)), ['types']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', types: ['x'.repeat(101)] }, now)), ['types']);
    for (const limit of [0, 501, 1.5])
      assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', limit }, now)), ['limit']);
    assert.deepEqual(fields(checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', cursor: '' }, now)), ['cursor']);
  });

  it('keeps each type once', () => {
    const r = checkOwnEventsQuery({ from: '2026-11-01T00:00:00Z', types: ['a', 'b', 'a'], limit: 500 }, now);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.types, ['a', 'b']);
  });
});
