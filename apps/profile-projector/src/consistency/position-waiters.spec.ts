import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PositionWaiters } from './position-waiters';

describe('position waiters', () => {
  it('answers at once when the position is applied already', async () => {
    const waiters = new PositionWaiters(async () => 5, 10_000);
    assert.equal(await waiters.reached('w', 'a', 5, 10_000), true);
    assert.equal(waiters.pending, 0);
  });

  it('wakes on a notification of the same aggregate at or past the target, not on others', async () => {
    let reads = 0;
    const waiters = new PositionWaiters(async () => {
      reads++;
      return 1;
    }, 60_000);
    const waiting = waiters.reached('w', 'a', 3, 60_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(waiters.pending, 1);
    waiters.notify('w', 'b', 9); // another aggregate
    waiters.notify('other', 'a', 9); // another workspace
    waiters.notify('w', 'a', 2); // not far enough
    await new Promise((r) => setImmediate(r));
    assert.equal(waiters.pending, 1);
    waiters.notify('w', 'a', 3);
    assert.equal(await waiting, true);
    assert.equal(waiters.pending, 0);
    assert.equal(reads, 1, 'no polling while a notification can answer');
  });

  it('falls back to polling the stored position (an event applied by another replica)', async () => {
    let applied = 0;
    const waiters = new PositionWaiters(async () => applied, 5);
    const waiting = waiters.reached('w', 'a', 2, 60_000);
    applied = 2;
    assert.equal(await waiting, true);
  });

  it('gives up at the deadline', async () => {
    const waiters = new PositionWaiters(async () => undefined, 5);
    assert.equal(await waiters.reached('w', 'a', 1, 30), false);
    assert.equal(waiters.pending, 0);
  });
});
