import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PARTITIONS_AHEAD_DAYS, PARTITIONS_BEHIND_DAYS, dayOfPartition, isRetained, partitionName, partitionPlan } from './partition-days';

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe('own events partitions by day', () => {
  it('names a partition by its UTC day and reads the day back', () => {
    assert.equal(partitionName(day('2026-03-07')), 'events_20260307');
    assert.equal(dayOfPartition('events_20260307'), day('2026-03-07'));
    assert.equal(dayOfPartition('events_20260230'), null, 'no such day');
    assert.equal(dayOfPartition('events_default'), null);
    assert.equal(dayOfPartition('processed_events'), null);
  });

  it('creates the missing days around today, never one past the retention', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const plan = partitionPlan(now, 90, [day('2026-12-01')]);
    assert.equal(plan.create.length, PARTITIONS_BEHIND_DAYS + PARTITIONS_AHEAD_DAYS, 'today exists');
    assert.equal(plan.create[0], day('2026-12-01') - PARTITIONS_BEHIND_DAYS * DAY);
    assert.equal(plan.create.at(-1), day('2026-12-01') + PARTITIONS_AHEAD_DAYS * DAY);
    assert.ok(!plan.create.includes(day('2026-12-01')));
    assert.deepEqual(partitionPlan(now, 1, []).create[0], day('2026-11-30'), 'a 1-day retention keeps yesterday (its end is inside)');
  });

  it('drops exactly the days that end at or before the horizon', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    // horizon = 2026-09-02T10:00Z: 09-01 ends before it, 09-02 straddles it (kept).
    const existing = [day('2026-08-01'), day('2026-09-01'), day('2026-09-02'), day('2026-11-30')];
    assert.deepEqual(partitionPlan(now, 90, existing).drop, [day('2026-08-01'), day('2026-09-01')]);
    assert.deepEqual(partitionPlan(Date.parse('2026-12-01T00:00:00Z'), 90, existing).drop, [day('2026-08-01'), day('2026-09-01')]);
  });

  it('stores an event only inside the retention', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.ok(isRetained(now - 90 * DAY, now, 90));
    assert.ok(!isRetained(now - 90 * DAY - 1, now, 90));
  });
});
