import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventIdOf, parseTimestamp, parseTrackingRawRecord, validateTrackingEvent } from './tracking.v1.validation';

const id = randomUUID();

describe('tracking event validation', () => {
  it('accepts a minimal and a full event, and copies exactly the known fields', () => {
    const minimal = validateTrackingEvent({ id, type: 'screen_view' });
    assert.deepEqual(minimal, { ok: true, event: { id, type: 'screen_view' } });
    const full = validateTrackingEvent({
      id,
      type: 'purchase',
      label: 'checkout',
      occurredAt: '2025-03-01T08:00:00.123+02:00',
      params: { total: 12.5, items: [{ sku: 'a' }] },
    });
    assert.equal(full.ok, true);
    if (full.ok) assert.deepEqual(Object.keys(full.event).sort(), ['id', 'label', 'occurredAt', 'params', 'type']);
  });

  it('names what is wrong with a code from the closed list', () => {
    const cases: [unknown, string][] = [
      ['text', 'EVENT_MALFORMED'],
      [[{ id }], 'EVENT_MALFORMED'],
      [null, 'EVENT_MALFORMED'],
      [{ id, type: 't', extra: 1 }, 'EVENT_MALFORMED'],
      [{ type: 't' }, 'EVENT_ID_MISSING'],
      [{ id: 'not-a-uuid', type: 't' }, 'EVENT_ID_INVALID'],
      [{ id: 42, type: 't' }, 'EVENT_ID_INVALID'],
      [{ id }, 'EVENT_TYPE_INVALID'],
      [{ id, type: '' }, 'EVENT_TYPE_INVALID'],
      [{ id, type: 'x'.repeat(101) }, 'EVENT_TYPE_INVALID'],
      [{ id, type: 't', label: '' }, 'EVENT_LABEL_INVALID'],
      [{ id, type: 't', label: null }, 'EVENT_LABEL_INVALID'],
      [{ id, type: 't', label: 'x'.repeat(201) }, 'EVENT_LABEL_INVALID'],
      [{ id, type: 't', params: [] }, 'EVENT_PARAMS_INVALID'],
      [{ id, type: 't', params: 'x' }, 'EVENT_PARAMS_INVALID'],
      [{ id, type: 't', params: { big: 'x'.repeat(8200) } }, 'EVENT_PARAMS_INVALID'],
      [{ id, type: 't', params: { a: { b: { c: { d: { e: { f: 1 } } } } } } }, 'EVENT_PARAMS_INVALID'],
      [{ id, type: 't', occurredAt: 'yesterday' }, 'EVENT_TIME_INVALID'],
      [{ id, type: 't', occurredAt: '2025-03-01T08:00:00' }, 'EVENT_TIME_INVALID'],
      [{ id, type: 't', occurredAt: 1740816000000 }, 'EVENT_TIME_INVALID'],
    ];
    for (const [event, code] of cases) {
      const checked = validateTrackingEvent(event);
      assert.equal(checked.ok, false, JSON.stringify(event)?.slice(0, 80));
      if (!checked.ok) assert.equal(checked.code, code, JSON.stringify(event)?.slice(0, 80));
    }
    // Five levels of params are fine.
    assert.equal(validateTrackingEvent({ id, type: 't', params: { a: { b: { c: { d: { e: 1 } } } } } }).ok, true);
  });

  it('parses RFC 3339 date-times with a zone, and only those', () => {
    assert.equal(parseTimestamp('2025-03-01T08:00:00Z'), Date.UTC(2025, 2, 1, 8));
    assert.equal(parseTimestamp('2025-03-01T10:00:00+02:00'), Date.UTC(2025, 2, 1, 8));
    assert.equal(parseTimestamp('2025-03-01T07:30:00.5-00:30'), Date.UTC(2025, 2, 1, 8, 0, 0, 500));
    assert.equal(parseTimestamp('2025-03-01T08:00:00.123456789Z'), Date.UTC(2025, 2, 1, 8, 0, 0, 123));
    for (const bad of [
      '2025-02-30T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-03-01T24:00:00Z',
      '2025-03-01T08:00:60Z',
      '2025-03-01 08:00:00Z',
      '2025-03-01',
      '',
      5,
    ]) {
      assert.equal(parseTimestamp(bad), null, String(bad));
    }
  });

  it('reads the toISOString form without the regex exactly as with it', () => {
    for (const ms of [
      0,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29),
      Date.UTC(2025, 11, 31, 12, 0, 0, 7),
      Date.UTC(1900, 0, 1),
    ]) {
      assert.equal(parseTimestamp(new Date(ms).toISOString()), ms);
    }
    // Days that do not exist (2100 and 1900 are no leap years, 2000 is), hours, minutes, seconds past their range.
    for (const bad of [
      '2100-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2025-00-10T00:00:00.000Z',
      '2025-03-00T00:00:00.000Z',
      '2025-03-01T24:00:00.000Z',
      '2025-03-01T08:60:00.000Z',
      '2025-03-01T08:00:60.000Z',
      '2025-03-01T08:00:00.0a0Z',
      '2025-03-01t08:00:00.000Z',
      '2025-03-01T08:00:00.000z',
    ]) {
      assert.equal(parseTimestamp(bad), null, bad);
    }
    assert.equal(parseTimestamp('2000-02-29T00:00:00.000Z'), Date.UTC(2000, 1, 29));
    // Years below 100 keep their value (Date.UTC alone would read 0099 as 1999).
    assert.equal(parseTimestamp('0099-03-01T00:00:00.000Z'), new Date('0099-03-01T00:00:00.000Z').getTime());
  });

  it('reads a tracking.raw record, ignoring fields it does not know, and refuses a broken one', () => {
    const record = {
      schemaVersion: 1,
      requestId: 'r1',
      deviceUuid: randomUUID(),
      receivedAt: '2025-03-01T08:00:00.000Z',
      sentAt: null,
      token: 'a.b.c',
      events: [{}],
      later: true,
    };
    const parsed = parseTrackingRawRecord(Buffer.from(JSON.stringify(record)));
    assert.equal(parsed.ok, true);
    if (parsed.ok) assert.equal('later' in parsed.record, false);
    for (const broken of [
      '{',
      'null',
      JSON.stringify({ ...record, schemaVersion: 2 }),
      JSON.stringify({ ...record, events: [] }),
      JSON.stringify({ ...record, sentAt: 'x' }),
      JSON.stringify({ ...record, deviceUuid: 'd' }),
    ]) {
      assert.equal(parseTrackingRawRecord(broken).ok, false, broken.slice(0, 60));
    }
    assert.equal(parseTrackingRawRecord(null).ok, false);
  });

  it('finds the id of a rejected event when it has a string one', () => {
    assert.equal(eventIdOf({ id: 'abc' }), 'abc');
    assert.equal(eventIdOf({ id: 3 }), null);
    assert.equal(eventIdOf('x'), null);
  });
});
