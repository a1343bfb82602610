import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestSystem, TopicReader, testKafka } from '@idstream/testing';
import { claimsOf, eventsOf } from './helpers';

/**
 * First visits of many devices at once, through the gateway with the real auth (its group
 * commit of new devices), Kafka and PostgreSQL: every device gets its token, and
 * `identity.events` carries exactly one AnonymousClientCreated per device, also after every
 * device called again. The gateway's per-IP flood guard is off: all requests come from here.
 */
describe('anonymous tokens for many new devices at once (end to end)', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-anonymous-devices');
  let identity: TopicReader;

  before(async () => {
    await system.start(['auth', 'gateway'], { GATEWAY_RATE_LIMIT_PER_SECOND: '0' });
    identity = await new TopicReader(kafka, system.topics.identityEvents, system.sealedOpener()).start();
  });

  after(async () => {
    try {
      await identity?.stop();
    } finally {
      await system.stop();
    }
  });

  it('gives each of 200 concurrent new devices its token and exactly one event, and nothing more when all call again', async () => {
    const uuids: string[] = Array.from({ length: 200 }, () => randomUUID());
    const call = (uuid: string) => system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid } });
    const first = await Promise.all(uuids.map(call));
    for (const [i, res] of first.entries()) {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.uuid, uuids[i]);
      assert.equal(claimsOf(res.body.token).sub, uuids[i]);
    }
    const workspaceId = claimsOf(first[0]!.body.token).aud as string;
    // The same devices again, concurrently (a retry after a lost answer, a second tab).
    const again = await Promise.all(uuids.map(call));
    assert.ok(again.every((res) => res.status === 200));
    const mine = new Set<string>(uuids);
    const created = () =>
      eventsOf(identity.messages, workspaceId).filter((e) => e.type === 'AnonymousClientCreated' && mine.has(e.aggregateId));
    await identity.waitFor(() => created().length >= uuids.length);
    // Time for a duplicate to arrive, if there were one.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(created().length, uuids.length);
    assert.equal(new Set(created().map((e) => e.aggregateId)).size, uuids.length, 'one event per device');
    assert.ok(created().every((e) => e.sequence === 1));
    assert.equal(new Set(created().map((e) => e.correlationId)).size, uuids.length, 'each event carries its own request');
    // A second wave of new devices while the first devices call again: both answered, the new ones recorded once.
    const more: string[] = Array.from({ length: 100 }, () => randomUUID());
    const mixed = await Promise.all([...more, ...uuids.slice(0, 100)].map(call));
    assert.ok(mixed.every((res) => res.status === 200));
    for (const uuid of more) mine.add(uuid);
    await identity.waitFor(() => created().length >= uuids.length + more.length);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(created().length, uuids.length + more.length);
  });
});
