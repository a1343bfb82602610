import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parseTrackingBody } from './tracking-body.parse';

const event = (extra: Record<string, unknown> = {}) => ({ id: randomUUID(), type: 'screen_view', ...extra });

describe('POST /v1/events body', () => {
  it('rejects an event holding a NUL, a lone surrogate, a prototype key or a too deep value alone', () => {
    const good = event();
    const hostile = [
      event({ type: 'ab\u0000cd' }),
      event({ label: '\uD800' }),
      event({ params: JSON.parse('{"constructor":{"prototype":{"x":1}}}') as unknown }),
      event({ params: { a: { b: { c: { d: { e: { f: 1 } } } } } } }),
    ];
    const parsed = parseTrackingBody({ events: [good, ...hostile] });
    assert.equal(parsed.ok, true);
    if (!parsed.ok) return;
    assert.deepEqual(parsed.events, [good]);
    assert.deepEqual(
      parsed.rejected,
      hostile.map((_, i) => ({ index: i + 1, code: 'EVENT_MALFORMED' })),
    );
    const alone = parseTrackingBody(event({ type: 'x\u0000' }));
    assert.equal(alone.ok, false);
    if (!alone.ok) assert.match(alone.errors[0]!.message, /type must not contain a NUL/);
  });

  it('takes one event', () => {
    const e = event({ label: 'home' });
    assert.deepEqual(parseTrackingBody(e), { ok: true, events: [e], rejected: [], sentAt: null });
  });

  it('takes a batch with sentAt, rejecting bad events alone with their index and code', () => {
    const good = [event(), event({ params: { a: 1 } })];
    const body = { sentAt: '2025-03-01T08:00:05.000Z', events: [good[0], { type: 'no id' }, good[1], { id: 'x', type: 't' }, 'junk'] };
    const parsed = parseTrackingBody(body);
    assert.equal(parsed.ok, true);
    if (!parsed.ok) return;
    assert.deepEqual(parsed.events, good);
    assert.equal(parsed.sentAt, '2025-03-01T08:00:05.000Z');
    assert.deepEqual(parsed.rejected, [
      { index: 1, code: 'EVENT_ID_MISSING' },
      { index: 3, code: 'EVENT_ID_INVALID' },
      { index: 4, code: 'EVENT_MALFORMED' },
    ]);
  });

  it('never makes up an id: an event without one is rejected', () => {
    const parsed = parseTrackingBody({ events: [{ type: 'x' }, event()] });
    assert.equal(parsed.ok && parsed.rejected[0]?.code, 'EVENT_ID_MISSING');
    assert.equal(parsed.ok && parsed.events.length, 1);
  });

  it('is unusable (400) when nothing in it is usable', () => {
    const unusable: unknown[] = [
      undefined,
      null,
      'text',
      [event()],
      { events: [] },
      { events: 'x' },
      { events: [{ type: 'x' }] },
      { events: Array.from({ length: 501 }, () => event()) },
      { events: [event()], sentAt: 'soon' },
      { events: [event()], extra: 1 },
      { type: 'single without id' },
    ];
    for (const body of unusable) {
      const parsed = parseTrackingBody(body);
      assert.equal(parsed.ok, false, JSON.stringify(body)?.slice(0, 80));
      if (!parsed.ok) assert.ok(parsed.errors.length > 0);
    }
    const missing = parseTrackingBody({ events: [{ type: 'x' }] });
    assert.equal(!missing.ok && missing.errors[0]?.field, 'events[0]');
    assert.match(!missing.ok ? missing.errors[0]!.message : '', /EVENT_ID_MISSING/);
  });

  it('takes 500 events', () => {
    const parsed = parseTrackingBody({ events: Array.from({ length: 500 }, () => event()) });
    assert.equal(parsed.ok && parsed.events.length, 500);
  });
});
