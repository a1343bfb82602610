import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolledView } from './polled-view';

/** A view whose owner answers as the test says, on a clock the test moves. */
function setup() {
  let clock = 1_000_000;
  const answers: (number | Error)[] = [];
  let loads = 0;
  const view = new PolledView<number>({
    name: 'TestView',
    load: () => {
      loads++;
      const next = answers.shift() ?? new Error('owner away');
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    refreshEveryMs: 30_000,
    missRefreshAfterMs: 2_000,
    now: () => clock,
  });
  return { view, answers, loads: () => loads, advance: (ms: number) => (clock += ms) };
}

describe('polled view: the failed-load rule', () => {
  it('does not count a failed load: the next miss reloads at once, and the view is not loaded until one succeeds', async () => {
    const { view, answers, loads } = setup();
    assert.equal(await view.refresh(), false, 'the owner is still starting');
    assert.equal(view.loaded, false);
    assert.equal(view.current, null);
    answers.push(7);
    assert.equal(await view.refreshAfterMiss(), 'reloaded', 'a failed load does not hold back the next miss');
    assert.equal(view.current, 7);
    assert.equal(loads(), 2);
    view.stop();
  });

  it('reloads after a miss at most every 2 s of a successful load, and keeps the last view when a reload fails', async () => {
    const { view, answers, loads, advance } = setup();
    answers.push(1);
    await view.refresh();
    assert.equal(await view.refreshAfterMiss(), 'recent');
    assert.equal(loads(), 1);
    advance(2_000);
    assert.equal(await view.refreshAfterMiss(), 'failed', 'the owner went away');
    assert.equal(view.current, 1, 'the last view stays');
    assert.equal(await view.refreshAfterMiss(), 'failed', 'and the next miss asks again');
    answers.push(2);
    assert.equal(await view.refreshAfterMiss(), 'reloaded');
    assert.equal(view.current, 2);
    view.stop();
  });

  it('after a write, loads again behind a load in flight (which may have read the owner before the write), once for every caller', async () => {
    const { view, answers, loads } = setup();
    answers.push(1, 2);
    const inFlight = view.refresh();
    const [afterWrite, afterAnotherWrite] = [view.reloadAfterWrite(), view.reloadAfterWrite()];
    assert.equal(await inFlight, true);
    assert.equal(await afterWrite, true);
    assert.equal(await afterAnotherWrite, true);
    assert.equal(view.current, 2, 'the view is the one loaded after the writes');
    assert.equal(loads(), 2);
    answers.push(3);
    assert.equal(await view.reloadAfterWrite(), true, 'with no load in flight, it loads at once');
    assert.equal(view.current, 3);
    view.stop();
  });

  it('shares a load in flight, and a miss during it waits for its outcome', async () => {
    const { view, answers, loads } = setup();
    answers.push(3);
    const first = view.refresh();
    const miss = view.refreshAfterMiss();
    assert.equal(await first, true);
    assert.equal(await miss, 'reloaded');
    assert.equal(loads(), 1);
    // A load that started before the owner came up fails: the miss that waited for it asks once more.
    const { view: later, answers: laterAnswers, loads: laterLoads } = setup();
    const failing = later.refresh();
    const missed = later.refreshAfterMiss();
    laterAnswers.push(5);
    assert.equal(await failing, false);
    assert.equal(await missed, 'reloaded');
    assert.deepEqual([later.current, laterLoads()], [5, 2]);
    later.stop();
    view.stop();
  });

  it('whenLoaded resolves on the first success and rejects after its timeout without one', async () => {
    const { view, answers } = setup();
    await assert.rejects(view.whenLoaded(20), /not loaded after 20 ms/);
    const waiting = view.whenLoaded(5_000);
    answers.push(4);
    await view.refresh();
    await waiting;
    view.stop();
  });
});
