import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestSystem, TopicReader, testKafka } from '@idstream/testing';
import { anonymous, claimsOf, customer, uniqueEmail, startSystemWithScan } from './helpers';

interface Accepted {
  workspaceId: string;
  type: string;
  data: {
    eventId: string;
    deviceUuid: string;
    profileId: string | null;
    anonymous: boolean;
    occurredAt: string;
    clientOccurredAt: string | null;
  };
}

/**
 * Issue 6 end to end: tracking events sent over HTTP with the device's token, through the
 * gateway, `tracking.raw` and the ingester, to `tracking.events`, attributed to the device or
 * its customer.
 */
describe('tracking end to end', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-tracking');
  let accepted: TopicReader;
  let workspaceId = '';

  startSystemWithScan(system, {
    setUp: async () => {
      accepted = await new TopicReader(kafka, system.topics.trackingEvents).start();
      workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    },
    tearDown: async () => {
      await accepted?.stop();
    },
  });

  const acceptedEvent = async (eventId: string): Promise<Accepted> => {
    const find = () =>
      accepted.messages
        .map((m) => JSON.parse(m.value ?? '{}') as Accepted)
        .filter((e) => e.workspaceId === workspaceId && e.data?.eventId === eventId);
    await accepted.waitFor(() => find().length > 0, 30_000);
    return find()[0]!;
  };
  const track = (token: string, events: unknown[], sentAt?: string) =>
    system.http('POST', '/v1/events', { token, body: sentAt ? { events, sentAt } : { events } });

  it('accepts anonymous events under the device uuid, each bad event rejected alone', async () => {
    const device = await anonymous(system);
    const good = randomUUID();
    const res = await track(device.token, [
      { id: good, type: 'screen_view', label: 'home', params: { tab: 1 } },
      { type: 'no_id' },
      { id: 'not-a-uuid', type: 'x' },
    ]);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.accepted, 1);
    assert.deepEqual(
      res.body.rejected.map((r: { index: number }) => r.index),
      [1, 2],
    );
    const event = await acceptedEvent(good);
    assert.equal(event.data.deviceUuid, device.uuid);
    assert.equal(event.data.anonymous, true);
    assert.equal(event.data.profileId, null);
    const key = accepted.messages.find((m) => m.value?.includes(good))!.key;
    assert.equal(key, `${workspaceId}:${device.uuid}`);
    assert.ok(!accepted.messages.some((m) => m.value?.includes(device.token)), 'the token never reaches tracking.events');
  });

  it('accepts a signed-in customer`s events under the profile id', async () => {
    const c = await customer(system);
    const id = randomUUID();
    assert.equal((await track(c.token, [{ id, type: 'purchase', params: { amount: 12 } }])).status, 202);
    const event = await acceptedEvent(id);
    assert.equal(event.data.profileId, c.profileId);
    assert.equal(event.data.anonymous, false);
  });

  it('after a recognize, the device`s new events resolve to the customer', async () => {
    const device = await anonymous(system);
    const email = uniqueEmail('recognized');
    const imported = await system.http('POST', '/v1/backend/profiles', {
      headers: { authorization: `Bearer ${system.serverKey}` },
      body: { email },
    });
    const before = randomUUID();
    await track(device.token, [{ id: before, type: 'open' }]);
    assert.equal((await acceptedEvent(before)).data.anonymous, true);
    const recognized = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
      headers: { authorization: `Bearer ${system.serverKey}` },
      body: { email },
    });
    assert.equal(recognized.status, 200);
    const afterId = randomUUID();
    await track(device.token, [{ id: afterId, type: 'open' }]);
    const event = await acceptedEvent(afterId);
    assert.equal(event.data.profileId, imported.body.profileId);
  });

  it('accepts a retried event id once', async () => {
    const device = await anonymous(system);
    const id = randomUUID();
    const marker = randomUUID();
    await track(device.token, [{ id, type: 'tap' }]);
    await track(device.token, [{ id, type: 'tap' }]);
    await track(device.token, [{ id: marker, type: 'tap' }]);
    await acceptedEvent(marker);
    const copies = accepted.messages.filter((m) => m.value?.includes(id));
    assert.equal(
      copies.length,
      1,
      JSON.stringify(
        copies.map((c) => ({ p: c.partition, o: c.offset, source: (JSON.parse(c.value!) as { data: { source: unknown } }).data.source })),
      ),
    );
  });

  it('corrects the client clock with sentAt and keeps the original time', async () => {
    const device = await anonymous(system);
    const id = randomUUID();
    // The client's clock runs one hour behind.
    const clientNow = new Date(Date.now() - 3600_000);
    const occurred = new Date(clientNow.getTime() - 10_000).toISOString();
    await track(device.token, [{ id, type: 'late', occurredAt: occurred }], clientNow.toISOString());
    const event = await acceptedEvent(id);
    assert.equal(event.data.clientOccurredAt, occurred);
    const corrected = Date.parse(event.data.occurredAt);
    assert.ok(Math.abs(corrected - (Date.now() - 10_000)) < 60_000, `corrected ${event.data.occurredAt}`);
  });

  it('refuses a signed-out session`s token, a forged token and one without a token', async () => {
    const c = await customer(system);
    await system.http('POST', '/v1/auth/sign-out', { token: c.token });
    const revoked = await track(c.token, [{ id: randomUUID(), type: 'x' }]);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.code, 'TOKEN_REVOKED');
    const [h, p] = c.token.split('.');
    const forged = await track(`${h}.${p}.${Buffer.from('forged').toString('base64url')}`, [{ id: randomUUID(), type: 'x' }]);
    assert.equal(forged.status, 401);
    assert.equal((await system.http('POST', '/v1/events', { body: { events: [{ id: randomUUID(), type: 'x' }] } })).status, 401);
  });
});
