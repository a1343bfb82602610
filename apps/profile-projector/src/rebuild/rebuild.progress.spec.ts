import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { behind, remaining, watermarkTargets } from './rebuild.progress';

describe('rebuild progress', () => {
  it('targets the high watermark of every partition that has messages', () => {
    const targets = watermarkTargets([
      { partition: 0, high: '10', low: '0' },
      { partition: 1, high: '0', low: '0' },
      { partition: 2, high: '7', low: '7' },
    ]);
    assert.deepEqual([...targets], [[0, 10n]]);
  });

  it('tells which partitions are behind and by how much', () => {
    const targets = new Map([
      [0, 10n],
      [1, 5n],
    ]);
    assert.deepEqual(behind(new Map([[0, 10n]]), targets), [1]);
    assert.deepEqual(
      behind(
        new Map([
          [0, 11n],
          [1, 5n],
        ]),
        targets,
      ),
      [],
    );
    assert.equal(remaining(new Map([[0, 4n]]), targets), 11n);
    assert.deepEqual(behind(new Map(), new Map()), [], 'nothing to reach: caught up');
  });
});
