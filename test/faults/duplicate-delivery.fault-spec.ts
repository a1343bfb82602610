import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventProducer } from '@idstream/messaging';
import { TestSystem, TopicReader, testKafka, waitFor, type ReadMessage } from '@idstream/testing';
import { anonymous, customer, uniqueEmail } from '../e2e/helpers';
import { query } from './database';
import { report, saveLogs } from './fault-report';
import { sleep } from './steady-load';

/** Everything the consumers of identity.events and tracking.raw derived, in a stable order. */
async function derivedState(url: string): Promise<Record<string, unknown[]>> {
  const tables = {
    'projector profiles': 'SELECT * FROM profiles.profiles ORDER BY workspace_id, profile_id',
    'projector device links': 'SELECT * FROM profiles.device_links ORDER BY workspace_id, uuid, link_event_id',
    'projector stream positions': 'SELECT * FROM profiles.stream_positions ORDER BY workspace_id, aggregate_id',
    'ingester device links': 'SELECT * FROM tracking.device_links ORDER BY workspace_id, device_uuid, event_id',
    'ingester closed sessions': 'SELECT * FROM tracking.closed_sessions ORDER BY session_id',
    'ingester seen events': 'SELECT * FROM tracking.seen_events ORDER BY workspace_id, device_uuid, event_id',
  };
  const state: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables)) state[name] = await query(url, sql);
  return state;
}

const parsed = (messages: ReadMessage[]) => messages.map((m) => JSON.parse(m.value ?? '{}') as Record<string, any>);

/**
 * Issue 9, faults: duplicate deliveries apply once. Every identity event and every tracking.raw
 * record already delivered is published again (same ids, keys and headers: what a relay or a
 * gateway that lost an acknowledgement does). The projector's and the ingester's state stays
 * exactly as it was, no tracking event is accepted twice (each copy is a DUPLICATE_EVENT
 * rejection), a device moved from one customer to another stays with the second, and the
 * gateway keeps its sessions and revocations as they were.
 */
describe('faults: duplicate deliveries apply once', () => {
  const system = new TestSystem();
  const kafka = testKafka('fault-dup');
  const readers: Record<'identity' | 'raw' | 'accepted' | 'rejected', TopicReader> = {} as never;
  const producer = new EventProducer(kafka);

  before(async () => {
    await system.start();
    readers.identity = await new TopicReader(kafka, system.topics.identityEvents).start();
    readers.raw = await new TopicReader(kafka, system.topics.trackingRaw).start();
    readers.accepted = await new TopicReader(kafka, system.topics.trackingEvents).start();
    readers.rejected = await new TopicReader(kafka, system.topics.trackingRejected).start();
    await producer.connect();
  });

  after(async () => {
    try {
      saveLogs('duplicate-delivery', system.processes);
      // Issue 9: no password, hash, token or one-time code of this run in any log line or message.
      await system.assertNoSecretsLeaked();
    } finally {
      await producer.disconnect();
      await Promise.allSettled(Object.values(readers).map((r) => r.stop()));
      await system.stop();
    }
  });

  it('re-published identity events and tracking.raw records change nothing', async () => {
    const server = { authorization: `Bearer ${system.serverKey}` };
    const [first, second, signedOut] = [await customer(system), await customer(system), await customer(system)];
    assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: signedOut.token })).status, 204);
    const device = await anonymous(system);
    for (const target of [first, second]) {
      const res = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
        headers: server,
        body: { profileId: target.profileId },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const imported = await system.http('POST', '/v1/backend/profiles', { headers: server, body: { email: uniqueEmail('imported') } });
    assert.equal(imported.status, 201);
    const events: string[] = [];
    for (const token of [device.token, first.token, second.token]) {
      const batch = Array.from({ length: 10 }, () => ({ id: randomUUID(), type: 'fault_dup' }));
      const res = await system.http('POST', '/v1/events', { token, body: { events: batch } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      events.push(...batch.map((e) => e.id));
    }
    await readers.accepted.waitFor((m) => m.length >= events.length, 60_000);
    const identityCount = readers.identity.messages.length;
    await sleep(2000); // the last identity events settle in both consumers
    const url = system.env.DATABASE_URL!;
    const stateBefore = await derivedState(url);
    const jwksBefore = (await system.http('GET', '/.well-known/jwks.json')).body;

    // The same messages again, in their order, with their keys and headers.
    const again = (messages: ReadMessage[]) => messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
    const identityAgain = again(readers.identity.messages);
    const rawAgain = again(readers.raw.messages);
    await producer.send(system.topics.identityEvents, identityAgain);
    await producer.send(system.topics.trackingRaw, rawAgain);
    await readers.identity.waitFor((m) => m.length >= identityCount * 2);

    // Each copy of an accepted event comes back as a duplicate rejection: then the ingester is past them all.
    const duplicatesOf = () => parsed(readers.rejected.messages).filter((r) => r.code === 'DUPLICATE_EVENT' && events.includes(r.eventId));
    await waitFor(() => duplicatesOf().length >= events.length, { timeoutMs: 60_000, what: 'every copy rejected as a duplicate' });
    // A tracking event sent now goes through after the re-published identity events (same partitions, later offsets).
    const probe = { id: randomUUID(), type: 'fault_dup_probe' };
    assert.equal((await system.http('POST', '/v1/events', { token: device.token, body: { events: [probe] } })).status, 202);
    await readers.accepted.waitFor((m) => m.some((x) => x.value?.includes(probe.id)), 60_000);
    await sleep(2000);

    const acceptedIds = parsed(readers.accepted.messages).map((e) => e.data.eventId as string);
    assert.equal(acceptedIds.length, events.length + 1, 'nothing accepted twice');
    assert.equal(new Set(acceptedIds).size, acceptedIds.length);
    const probeEvent = parsed(readers.accepted.messages).find((e) => e.data.eventId === probe.id)!;
    assert.equal(probeEvent.data.profileId, second.profileId, 'the device stays with the customer it moved to');

    const stateAfter = await derivedState(url);
    delete stateAfter['ingester seen events'];
    const seenBefore = stateBefore['ingester seen events']!;
    delete stateBefore['ingester seen events'];
    assert.deepEqual(stateAfter, stateBefore, 'the read models are as they were');
    const seen = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM tracking.seen_events');
    assert.equal(Number(seen[0]!.n), seenBefore.length + 1, 'one seen event more: the probe');

    // The gateway: open sessions still work, the closed one stays closed, keys unchanged.
    for (const c of [first, second]) assert.equal((await system.http('GET', '/v1/account', { token: c.token })).status, 200);
    const closed = await system.http('GET', '/v1/account', { token: signedOut.token });
    assert.equal(closed.status, 401);
    assert.equal(closed.body.code, 'TOKEN_REVOKED');
    assert.deepEqual((await system.http('GET', '/.well-known/jwks.json')).body, jwksBefore);

    report('duplicate deliveries (identity.events and tracking.raw re-published)', {
      cases: identityAgain.length + rawAgain.length,
      outcome:
        `${identityAgain.length} identity events and ${rawAgain.length} tracking.raw records (${events.length} events) ` +
        `delivered twice: projector and ingester state unchanged, ${duplicatesOf().length} DUPLICATE_EVENT rejections, ` +
        `0 events accepted twice, device links and revocations unchanged`,
    });
  });
});
