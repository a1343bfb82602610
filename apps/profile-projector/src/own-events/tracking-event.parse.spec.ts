import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrackingEventAccepted } from './tracking-event.parse';

const envelope = (data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: '01900000-0000-7000-8000-000000000001',
    type: 'TrackingEventAccepted',
    schemaVersion: 1,
    workspaceId: 'ws',
    aggregateId: 'dev',
    sequence: 1,
    data: {
      eventId: '5b3c1a8e-0000-4000-8000-000000000001',
      eventType: 'purchase',
      label: null,
      params: {},
      deviceUuid: 'dev',
      profileId: null,
      anonymous: true,
      occurredAt: '2026-12-01T08:00:00.000Z',
      receivedAt: '2026-12-01T08:00:01.000Z',
      ...data,
    },
    ...extra,
  });

describe('reading tracking.events for own events', () => {
  it('keeps what the store needs, empty params as null, unknown fields ignored', () => {
    const r = parseTrackingEventAccepted(envelope({ futureField: 1 }, { alsoNew: true }));
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.row, {
      envelopeId: '01900000-0000-7000-8000-000000000001',
      workspaceId: 'ws',
      deviceUuid: 'dev',
      eventId: '5b3c1a8e-0000-4000-8000-000000000001',
      profileId: null,
      eventType: 'purchase',
      label: null,
      params: null,
      occurredAt: Date.parse('2026-12-01T08:00:00.000Z'),
      receivedAt: Date.parse('2026-12-01T08:00:01.000Z'),
    });
    const withData = parseTrackingEventAccepted(envelope({ label: 'home', params: { a: 1 }, profileId: 'p1', anonymous: false }));
    assert.ok(withData.ok && withData.row.label === 'home' && withData.row.profileId === 'p1');
    assert.deepEqual(withData.ok && withData.row.params, { a: 1 });
  });

  it('refuses what it cannot store, with a reason', () => {
    for (const bad of [
      null,
      'nope',
      '[]',
      envelope({}, { type: 'TrackingEventRejected' }),
      envelope({ occurredAt: 'yesterday' }),
      envelope({ eventType: '' }),
      envelope({ params: [1] }),
      envelope({ profileId: 7 }),
      envelope({}, { workspaceId: undefined }),
    ]) {
      const r = parseTrackingEventAccepted(bad);
      assert.equal(r.ok, false, String(bad));
      if (!r.ok) assert.ok(r.reason.length > 0);
    }
  });
});
