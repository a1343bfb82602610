import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TrackingRawRecord } from '@idstream/contracts';
import { ANONYMOUS_SCOPE, CUSTOMER_SCOPE, type AccessTokenClaims } from '@idstream/crypto';
import { decideRecord, unreadableRecord, type RecordFacts, type TokenCheck } from './record.decide';

const device = randomUUID();
const received = '2025-03-01T12:00:00.000Z';
const receivedMs = Date.parse(received);
const input = { topic: 'tracking.raw', partition: 2, offset: '17' };
const policy = { maxFutureMs: 300_000, maxPastMs: 86_400_000 };

function claims(overrides: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: 'idstream',
    aud: 'ws-1',
    sub: device,
    uuid: device,
    role: 'anonymous',
    scope: ANONYMOUS_SCOPE,
    sid: 'sid-1',
    jti: 'jti-1',
    iat: receivedMs / 1000 - 60,
    exp: receivedMs / 1000 + 3600,
    ...overrides,
  };
}
const valid = (c: AccessTokenClaims = claims()): TokenCheck => ({ ok: true, claims: c, kid: 'kid-1' });

function record(events: unknown[], extra: Partial<TrackingRawRecord> = {}): TrackingRawRecord {
  return { schemaVersion: 1, requestId: 'req-1', deviceUuid: device, receivedAt: received, sentAt: null, token: 'x.y.z', events, ...extra };
}

function facts(events: unknown[], extra: Partial<RecordFacts> = {}): RecordFacts {
  return { input, key: device, record: record(events), token: valid(), closure: undefined, links: [], policy, ...extra };
}

const ev = (extra: Record<string, unknown> = {}) => ({ id: randomUUID(), type: 'screen_view', ...extra });

describe('deciding one tracking.raw record', () => {
  it('accepts an anonymous device under its uuid with anonymous: true, with the token facts and both times', () => {
    const e = ev({ occurredAt: '2025-03-01T09:59:00.000Z', label: 'home', params: { a: 1 } });
    const { candidates, rejections } = decideRecord(facts([e], { record: record([e], { sentAt: '2025-03-01T10:00:00.000Z' }) }));
    assert.deepEqual(rejections, []);
    assert.equal(candidates.length, 1);
    const data = candidates[0]!.data;
    assert.equal(data.profileId, null);
    assert.equal(data.anonymous, true);
    assert.equal(data.deviceUuid, device);
    assert.equal(data.clientOccurredAt, '2025-03-01T09:59:00.000Z');
    assert.equal(data.occurredAt, '2025-03-01T11:59:00.000Z', 'corrected by the 2 h skew');
    assert.equal(data.clockSkewMs, 2 * 3600_000);
    assert.deepEqual(data.token, { kid: 'kid-1', jti: 'jti-1', sid: 'sid-1', role: 'anonymous' });
    assert.deepEqual(data.source, { ...input, index: 0 });
    assert.equal(JSON.stringify(candidates).includes('x.y.z'), false, 'the token never leaves');
  });

  it('resolves a linked anonymous device to its profile, and a customer token to its subject', () => {
    const links = [{ linkedAt: receivedMs - 1000, profileId: 'profile-7', eventId: '01' }];
    const linked = decideRecord(facts([ev()], { links }));
    assert.equal(linked.candidates[0]!.data.profileId, 'profile-7');
    assert.equal(linked.candidates[0]!.data.anonymous, false);
    const later = decideRecord(facts([ev()], { links: [{ linkedAt: receivedMs + 1000, profileId: 'profile-7', eventId: '01' }] }));
    assert.equal(later.candidates[0]!.data.profileId, null, 'a link made after the request was received does not count');
    const customer = decideRecord(
      facts([ev()], { token: valid(claims({ role: 'customer', sub: 'profile-9', scope: CUSTOMER_SCOPE })), links }),
    );
    assert.equal(customer.candidates[0]!.data.profileId, 'profile-9');
  });

  it('rejects every event of a record whose token, session or device fails, one rejection each, with the stage', () => {
    const events = [ev(), ev(), { junk: true }];
    const cases: [Partial<RecordFacts>, string, string][] = [
      [{ token: { ok: false, code: 'TOKEN_INVALID', reason: 'bad signature' } }, 'TOKEN_INVALID', 'token'],
      [{ token: { ok: false, code: 'TOKEN_EXPIRED', reason: 'expired' } }, 'TOKEN_EXPIRED', 'token'],
      [{ token: valid(claims({ scope: 'account:register' })) }, 'INSUFFICIENT_SCOPE', 'token'],
      [{ closure: { closedAt: receivedMs - 1 } }, 'TOKEN_REVOKED', 'session'],
      [{ token: valid(claims({ uuid: randomUUID() })) }, 'DEVICE_MISMATCH', 'device'],
      [{ key: randomUUID() }, 'DEVICE_MISMATCH', 'device'],
    ];
    for (const [extra, code, stage] of cases) {
      const { candidates, rejections } = decideRecord(facts(events, extra));
      assert.equal(candidates.length, 0, code);
      assert.deepEqual(
        rejections.map((r) => [r.code, r.stage, r.source.index]),
        [0, 1, 2].map((i) => [code, stage, i]),
      );
      assert.equal(rejections[0]!.eventId, (events[0] as { id: string }).id);
      assert.deepEqual(JSON.parse(rejections[2]!.original.toString()), { junk: true }, 'the original bytes of the event');
    }
    // A session closed after the request arrived does not reject it.
    assert.equal(decideRecord(facts(events.slice(0, 2), { closure: { closedAt: receivedMs + 1 } })).candidates.length, 2);
  });

  it('rejects a bad event alone; the rest of the record goes on', () => {
    const good = ev();
    const { candidates, rejections } = decideRecord(
      facts([{ type: 'x' }, good, ev({ occurredAt: '2025-03-01T12:10:00.000Z' }), ev({ occurredAt: '2025-02-20T00:00:00.000Z' })]),
    );
    assert.deepEqual(
      candidates.map((c) => c.eventId),
      [good.id],
    );
    assert.deepEqual(
      rejections.map((r) => [r.source.index, r.code, r.stage]),
      [
        [0, 'EVENT_ID_MISSING', 'validation'],
        [2, 'EVENT_IN_FUTURE', 'time'],
        [3, 'EVENT_TOO_OLD', 'time'],
      ],
    );
  });

  it('rejects an unreadable record once, with its bytes and position', () => {
    const r = unreadableRecord(input, device, Buffer.from('{nope'), 'not JSON');
    assert.equal(r.code, 'RECORD_MALFORMED');
    assert.equal(r.stage, 'parse');
    assert.deepEqual(r.source, { ...input, index: null });
    assert.equal(r.original.toString(), '{nope');
  });
});
