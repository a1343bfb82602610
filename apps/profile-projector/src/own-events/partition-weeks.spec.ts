import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PARTITIONS_AHEAD_WEEKS, isRetained, partitionName, partitionPlan, weekOfPartition, weekStart } from './partition-weeks';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

describe('own events partitions by week', () => {
  it('starts weeks on Monday 00:00 UTC and names a partition by its Monday', () => {
    assert.equal(weekStart(at('2026-12-01T10:00:00Z')), at('2026-11-30'), 'a Tuesday');
    assert.equal(weekStart(at('2026-11-30')), at('2026-11-30'), 'a Monday at midnight');
    assert.equal(weekStart(at('2026-11-29T23:59:59.999Z')), at('2026-11-23'), 'a Sunday');
    assert.equal(partitionName(at('2026-11-30')), 'events_20261130');
    assert.equal(weekOfPartition('events_20261130'), at('2026-11-30'));
    assert.equal(weekOfPartition('events_20261201'), null, 'not a Monday');
    assert.equal(weekOfPartition('events_20260230'), null, 'no such day');
    assert.equal(weekOfPartition('processed_events'), null);
  });

  it('creates the missing weeks from two days ago to the weeks ahead', () => {
    // A Tuesday: two days ago is the previous week's Sunday.
    const now = at('2026-12-01T10:00:00Z');
    const plan = partitionPlan(now, 90, [at('2026-11-30')]);
    assert.deepEqual(
      plan.create.map(partitionName),
      ['events_20261123', 'events_20261207', 'events_20261214'].slice(0, 1 + PARTITIONS_AHEAD_WEEKS),
    );
    assert.deepEqual(partitionPlan(at('2026-12-03T10:00:00Z'), 90, []).create.map(partitionName), [
      'events_20261130',
      'events_20261207',
      'events_20261214',
    ]);
  });

  it('drops exactly the weeks that end at or before the horizon', () => {
    const now = at('2026-12-01T10:00:00Z'); // horizon 2026-09-02T10:00Z, a Wednesday
    const existing = [at('2026-08-17'), at('2026-08-24'), at('2026-08-31'), at('2026-11-30')];
    assert.deepEqual(partitionPlan(now, 90, existing).drop.map(partitionName), ['events_20260817', 'events_20260824']);
    // The week of 08-31 ends on 09-07: dropped once the horizon reaches it.
    assert.deepEqual(partitionPlan(at('2026-12-06T00:00:00Z'), 90, existing).drop.map(partitionName), [
      'events_20260817',
      'events_20260824',
      'events_20260831',
    ]);
  });

  it('stores an event only inside the retention', () => {
    const now = at('2026-12-01T10:00:00Z');
    assert.ok(isRetained(now - 90 * DAY, now, 90));
    assert.ok(!isRetained(now - 90 * DAY - 1, now, 90));
  });
});
