import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A commit the test releases by hand, recording the batches it was given. */
function manualCommit<T>() {
  const batches: T[][] = [];
  const releases: (() => void)[] = [];
  const commit = async (items: T[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((item) => `done ${String(item)}`);
  };
  return { batches, releases, commit };
}

describe('GroupCommit', () => {
  it('commits the first item at once and the ones that arrive meanwhile together, each answered after its own commit', async () => {
    const { batches, releases, commit } = manualCommit<number>();
    const group = new GroupCommit(commit, { maxBatch: 100 });
    const answered: string[] = [];
    const first = group.submit(1).then((r) => answered.push(r));
    await tick();
    const rest = [2, 3, 4].map((n) => group.submit(n).then((r) => answered.push(r)));
    await tick();
    assert.deepEqual(batches, [[1]]);
    assert.equal(group.waiting, 3);
    releases[0]!();
    await first;
    await tick();
    assert.deepEqual(answered, ['done 1'], 'the later items wait for their own commit');
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
    releases[1]!();
    await Promise.all(rest);
    assert.deepEqual(answered, ['done 1', 'done 2', 'done 3', 'done 4']);
    assert.deepEqual(group.stats, { commits: 2, items: 4, largestBatch: 3, fallbacks: 0 });
  });

  it('never puts more than maxBatch items in one commit', async () => {
    const { batches, releases, commit } = manualCommit<number>();
    const group = new GroupCommit(commit, { maxBatch: 3 });
    let settled = 0;
    const all = Array.from({ length: 8 }, (_, i) => group.submit(i).finally(() => settled++));
    for (let released = 0; settled < 8; released++) {
      while (releases.length <= released) await tick();
      releases[released]!();
      await tick();
    }
    assert.equal((await Promise.all(all)).length, 8);
    // The first goes alone at once; the seven that queued behind it go 3, 3, 1.
    assert.deepEqual(
      batches.map((b) => b.length),
      [1, 3, 3, 1],
    );
  });

  it('with lingerMs, waits for company before the first commit', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit(
      async (items: number[]) => {
        batches.push(items);
        return items;
      },
      { maxBatch: 10, lingerMs: 20 },
    );
    const a = group.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = group.submit(2);
    assert.deepEqual(await Promise.all([a, b]), [1, 2]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  it('after a failed commit, writes each item alone, so only the bad one fails', async () => {
    const batches: string[][] = [];
    const group = new GroupCommit(
      async (items: string[]) => {
        batches.push(items);
        if (items.includes('bad')) throw new Error('constraint');
        return items.map((i) => i.toUpperCase());
      },
      { maxBatch: 10 },
    );
    const blocker = group.submit('first');
    const results = await Promise.allSettled([group.submit('a'), group.submit('bad'), group.submit('b')]);
    await blocker;
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['A', 'constraint', 'B'],
    );
    assert.deepEqual(batches, [['first'], ['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
    assert.equal(group.stats.fallbacks, 1);
  });

  it('refuses a maxBatch below 1', () => {
    assert.throws(() => new GroupCommit(async (items: number[]) => items, { maxBatch: 0 }), RangeError);
  });
});
