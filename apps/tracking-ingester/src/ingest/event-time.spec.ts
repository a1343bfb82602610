import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventTime } from './event-time';

const policy = { maxFutureMs: 5 * 60_000, maxPastMs: 24 * 3600_000 };
const received = Date.parse('2025-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('event time', () => {
  it('corrects the client clock with sentAt: receivedAt - (sentAt - occurredAt)', () => {
    // The client's clock is 2 hours behind: it says it sent at 10:00:00 and the event happened 30 s earlier.
    const sentAt = '2025-03-01T10:00:00.000Z';
    const time = eventTime('2025-03-01T09:59:30.000Z', sentAt, received, policy);
    assert.deepEqual(time, { ok: true, occurredAt: received - 30_000, clockSkewMs: 2 * 3600_000 });
  });

  it('takes the client time as is without sentAt, and receivedAt without occurredAt', () => {
    assert.deepEqual(eventTime('2025-03-01T11:00:00.000Z', null, received, policy), {
      ok: true,
      occurredAt: Date.parse('2025-03-01T11:00:00.000Z'),
      clockSkewMs: null,
    });
    assert.deepEqual(eventTime(undefined, null, received, policy), { ok: true, occurredAt: received, clockSkewMs: null });
    assert.deepEqual(eventTime(undefined, iso(received - 1000), received, policy), { ok: true, occurredAt: received, clockSkewMs: 1000 });
  });

  it('rejects a time too far in the future or in the past, at the bounds exactly', () => {
    assert.equal(eventTime(iso(received + policy.maxFutureMs), null, received, policy).ok, true);
    const future = eventTime(iso(received + policy.maxFutureMs + 1), null, received, policy);
    assert.equal(!future.ok && future.code, 'EVENT_IN_FUTURE');
    assert.equal(eventTime(iso(received - policy.maxPastMs), null, received, policy).ok, true);
    const old = eventTime(iso(received - policy.maxPastMs - 1), null, received, policy);
    assert.equal(!old.ok && old.code, 'EVENT_TOO_OLD');
    // A wrong client clock does not matter once corrected: 3 days behind, the event 10 s before sending.
    const behind = eventTime(iso(received - 3 * 86_400_000 - 10_000), iso(received - 3 * 86_400_000), received, policy);
    assert.deepEqual(behind, { ok: true, occurredAt: received - 10_000, clockSkewMs: 3 * 86_400_000 });
    // An event said to happen after it was sent lands in the future.
    const after = eventTime(iso(received + 3600_000), iso(received), received, policy);
    assert.equal(!after.ok && after.code, 'EVENT_IN_FUTURE');
  });

  it('refuses an occurredAt that is not a date-time', () => {
    const bad = eventTime('tomorrow', null, received, policy);
    assert.equal(!bad.ok && bad.code, 'EVENT_TIME_INVALID');
  });
});
