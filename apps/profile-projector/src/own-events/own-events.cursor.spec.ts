import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './own-events.cursor';

describe('own events cursor', () => {
  it('round-trips a position', () => {
    const cursor = { occurredAt: Date.parse('2026-12-01T08:00:00.123Z'), envelopeId: '0193a000-0000-7000-8000-00000000000a' };
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  });

  it('refuses anything it did not make', () => {
    for (const text of ['', 'not base64!', Buffer.from('12.x y').toString('base64url'), Buffer.from('abc.def').toString('base64url')]) {
      assert.equal(decodeCursor(text), null, text);
    }
  });
});
