import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUuid, uuidv7 } from './ids';

describe('uuidv7', () => {
  it('puts the milliseconds in the first 48 bits, then version 7 and the RFC 9562 variant', () => {
    const id = uuidv7(0x0123_4567_89ab);
    assert.match(id, /^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('stays unique and well formed across many refills of its random pool', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidv7(1_764_000_000_000));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => isUuid(id) && id.startsWith('019ab697-e800-') && id[14] === '7'));
    // Random bits vary in every position they occupy (a stuck byte would show here).
    for (const position of [15, 16, 17, 20, 21, 22, 24, 35])
      assert.ok(new Set(ids.map((id) => id[position])).size > 4, `position ${position}`);
  });

  it('refuses a time that is not a whole number of milliseconds', () => {
    assert.throws(() => uuidv7(1.5), RangeError);
  });
});
