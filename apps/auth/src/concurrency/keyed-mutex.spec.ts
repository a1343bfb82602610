import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('runs work of one key one at a time, in order, and forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string, ms: number) =>
      mutex.run('k', async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
      });
    await Promise.all([job('a', 20), job('b', 1), job('c', 1)]);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.equal(mutex.size, 0);
  });

  it('lets different keys overlap and survives a failing job', async () => {
    const mutex = new KeyedMutex();
    let overlapping = 0;
    let most = 0;
    const job = (key: string) =>
      mutex.run(key, async () => {
        most = Math.max(most, ++overlapping);
        await new Promise((r) => setTimeout(r, 10));
        overlapping--;
      });
    await Promise.all([job('x'), job('y')]);
    assert.equal(most, 2);
    await assert.rejects(mutex.run('z', () => Promise.reject(new Error('boom'))));
    assert.equal(await mutex.run('z', () => Promise.resolve(7)), 7);
  });
});
