import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Producer } from 'kafkajs';
import type { OwnEventItem } from '@idstream/contracts';
import { TestSystem, TopicReader, testKafka, waitFor } from '@idstream/testing';
import { STRONG_PASSWORD, anonymous, claimsOf, customer, uniqueEmail, startSystemWithScan } from './helpers';

const MINUTE = 60_000;

/**
 * Issue 11 part 6 end to end: a customer's own events (GET /v1/account/events), fed from
 * tracking.events into profile-projector's own-events store, read through the gateway.
 */
describe('own events end to end', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-own-events');
  let accepted: TopicReader;
  let producer: Producer;
  let db: Client;
  let workspaceId = '';

  startSystemWithScan(system, {
    setUp: async () => {
      accepted = await new TopicReader(kafka, system.topics.trackingEvents).start();
      producer = kafka.producer();
      await producer.connect();
      db = new Client({ connectionString: system.env.DATABASE_URL });
      await db.connect();
      workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    },
    tearDown: async () => {
      await db?.end();
      await producer?.disconnect();
      await accepted?.stop();
    },
  });

  const track = async (token: string, events: unknown[]) => {
    const res = await system.http('POST', '/v1/events', { token, body: { events } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.accepted, events.length, JSON.stringify(res.body));
  };
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const list = (token: string, query: string) => system.http('GET', `/v1/account/events?${query}`, { token });
  /** Polls until the page satisfies `done` (the tracking pipeline and the store are asynchronous). */
  const listUntil = async (token: string, query: string, done: (items: OwnEventItem[]) => boolean): Promise<OwnEventItem[]> => {
    let last: OwnEventItem[] = [];
    await waitFor(
      async () => {
        const res = await list(token, query);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        last = res.body.items as OwnEventItem[];
        return done(last);
      },
      { timeoutMs: 45_000, intervalMs: 300, what: `own events for ${query}` },
    );
    return last;
  };
  const since = (ms: number) => `from=${encodeURIComponent(ago(ms))}`;

  it('includes the anonymous history of the device after sign-in, newest first', async () => {
    const device = await anonymous(system);
    const anon = [randomUUID(), randomUUID()];
    await track(device.token, [
      { id: anon[0], type: 'screen_view', label: 'home', occurredAt: ago(30 * MINUTE), params: { tab: 1 } },
      { id: anon[1], type: 'add_to_cart', occurredAt: ago(20 * MINUTE) },
    ]);
    // The anonymous events reach tracking.events before the device is linked: they carry no profile.
    await accepted.waitFor((ms) => ms.some((m) => m.value?.includes(anon[1]!)), 30_000);
    const email = uniqueEmail('own');
    assert.equal(
      (await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } })).status,
      201,
    );
    const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(signIn.status, 200);
    const token = signIn.body.token as string;
    const signedIn = randomUUID();
    await track(token, [{ id: signedIn, type: 'purchase', occurredAt: ago(10 * MINUTE) }]);

    const items = await listUntil(token, since(60 * MINUTE), (i) => i.length === 3);
    assert.deepEqual(
      items.map((i) => i.id),
      [signedIn, anon[1], anon[0]],
      'newest first, the anonymous history included',
    );
    assert.ok(items.every((i) => i.uuid === device.uuid));
    assert.deepEqual(
      { type: items[2]!.type, label: items[2]!.label, params: items[2]!.params },
      { type: 'screen_view', label: 'home', params: { tab: 1 } },
    );
    assert.equal(items[1]!.label, undefined, 'absent fields are left out');
    assert.ok(Date.parse(items[0]!.receivedAt) >= Date.parse(items[0]!.occurredAt));
  });

  it('pages with a cursor without gaps or repeats, and filters by type', async () => {
    const c = await customer(system);
    const base = Date.now() - 50 * MINUTE;
    // 23 events, some sharing one instant (the tie-break is the envelope id).
    const events = Array.from({ length: 23 }, (_, i) => ({
      id: randomUUID(),
      type: i % 3 === 0 ? 'view' : i % 3 === 1 ? 'tap' : 'buy',
      occurredAt: new Date(base + Math.floor(i / 2) * 1000).toISOString(),
    }));
    await track(c.token, events);
    const all = await listUntil(c.token, `${since(60 * MINUTE)}&limit=500`, (i) => i.length === 23);
    const times = all.map((i) => Date.parse(i.occurredAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );

    const paged: OwnEventItem[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await list(c.token, `${since(60 * MINUTE)}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 7);
      paged.push(...(res.body.items as OwnEventItem[]));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 4);
    assert.deepEqual(
      paged.map((i) => i.id),
      all.map((i) => i.id),
      'the pages together are the whole list, in order',
    );
    assert.equal(new Set(paged.map((i) => i.id)).size, 23);

    const filtered = await list(c.token, `${since(60 * MINUTE)}&types=view,buy&limit=500`);
    assert.equal(filtered.status, 200);
    assert.deepEqual(
      filtered.body.items.map((i: OwnEventItem) => i.id),
      all.filter((i) => i.type !== 'tap').map((i) => i.id),
    );
    const window = await list(
      c.token,
      `from=${encodeURIComponent(new Date(base + 5000).toISOString())}&to=${encodeURIComponent(new Date(base + 7000).toISOString())}&limit=500`,
    );
    assert.deepEqual(
      window.body.items.map((i: OwnEventItem) => i.id).sort(),
      events
        .filter((e) => Date.parse(e.occurredAt) >= base + 5000 && Date.parse(e.occurredAt) < base + 7000)
        .map((e) => e.id)
        .sort(),
      'from inclusive, to exclusive',
    );
  });

  it('answers 400 for a window over 90 days, a bad time and a bad query; 401 and 403 without a customer token', async () => {
    const c = await customer(system);
    const expect400 = async (query: string, field: string) => {
      const res = await list(c.token, query);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(
        (res.body.errors as { field: string }[]).some((e) => e.field === field),
        `${query}: ${JSON.stringify(res.body.errors)}`,
      );
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    };
    await expect400(`from=${encodeURIComponent(ago(91 * 86_400_000))}`, 'from');
    await expect400(`from=2026-01-01T00:00:00Z&to=2026-04-02T00:00:01Z`, 'from');
    await expect400('from=yesterday', 'from');
    await expect400('', 'from');
    await expect400(`${since(MINUTE)}&to=2026-02-30T00:00:00Z`, 'to');
    await expect400(`from=${encodeURIComponent(ago(MINUTE))}&to=${encodeURIComponent(ago(2 * MINUTE))}`, 'from');
    await expect400(`${since(MINUTE)}&limit=501`, 'limit');
    await expect400(`${since(MINUTE)}&limit=0`, 'limit');
    await expect400(`${since(MINUTE)}&cursor=${Buffer.from('nope').toString('base64url')}`, 'cursor');
    await expect400(`${since(MINUTE)}&types=`, 'types');
    await expect400(`${since(MINUTE)}&from=${encodeURIComponent(ago(MINUTE))}`, 'from');
    const unknown = await list(c.token, `${since(MINUTE)}&profileId=someone-else`);
    assert.equal(unknown.status, 400, 'an unknown parameter (no way to name another profile)');
    assert.equal((await system.http('GET', `/v1/account/events?${since(MINUTE)}`)).status, 401);
    assert.equal((await list(c.anonToken, since(MINUTE))).status, 403);
    await system.http('POST', '/v1/auth/sign-out', { token: c.token });
    const revoked = await list(c.token, since(MINUTE));
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.code, 'TOKEN_REVOKED');
  });

  it('shows an event delivered twice once: a retried id, a republished envelope, a re-emitted event', async () => {
    const c = await customer(system);
    const id = randomUUID();
    await track(c.token, [{ id, type: 'tap', occurredAt: ago(5 * MINUTE) }]);
    await track(c.token, [{ id, type: 'tap', occurredAt: ago(5 * MINUTE) }]); // the ingester drops it
    const original = (await accepted.waitFor((ms) => ms.some((m) => m.value?.includes(id)), 30_000)).find((m) => m.value?.includes(id))!;
    const envelope = JSON.parse(original.value!) as { id: string };
    // The same envelope again (an at-least-once redelivery), and the same event under a new envelope id.
    await producer.send({
      topic: system.topics.trackingEvents,
      messages: [
        { key: original.key, value: original.value },
        { key: original.key, value: JSON.stringify({ ...envelope, id: randomUUID() }) },
      ],
    });
    const marker = randomUUID();
    await track(c.token, [{ id: marker, type: 'marker', occurredAt: ago(MINUTE) }]);
    // Same device key, same partition: once the marker is stored, the copies before it were read.
    const items = await listUntil(c.token, since(10 * MINUTE), (i) => i.some((x) => x.id === marker));
    assert.deepEqual(
      items.map((i) => i.id),
      [marker, id],
    );
  });

  it('keeps the history of a device recognized to another customer with the first one', async () => {
    const c = await customer(system);
    const mine = randomUUID();
    await track(c.anonToken, [{ id: mine, type: 'before-move', occurredAt: ago(3 * MINUTE) }]);
    await listUntil(c.token, since(10 * MINUTE), (i) => i.some((x) => x.id === mine));
    const email = uniqueEmail('other');
    const server = { authorization: `Bearer ${system.serverKey}` };
    const other = await system.http('POST', '/v1/backend/profiles', { headers: server, body: { email } });
    assert.equal(other.status, 201);
    assert.equal((await system.http('POST', `/v1/backend/clients/${c.uuid}/recognize`, { headers: server, body: { email } })).status, 200);
    const theirs = randomUUID();
    await track(c.anonToken, [{ id: theirs, type: 'after-move', occurredAt: ago(MINUTE) }]);
    const event = (await accepted.waitFor((ms) => ms.some((m) => m.value?.includes(theirs)), 30_000)).find((m) =>
      m.value?.includes(theirs),
    )!;
    assert.equal((JSON.parse(event.value!) as { data: { profileId: string } }).data.profileId, other.body.profileId);
    const marker = randomUUID();
    await track(c.token, [{ id: marker, type: 'marker', occurredAt: ago(MINUTE / 2) }]);
    const items = await listUntil(c.token, since(10 * MINUTE), (i) => i.some((x) => x.id === marker));
    assert.ok(
      items.some((i) => i.id === mine),
      'the first customer keeps its history',
    );
    assert.ok(!items.some((i) => i.id === theirs), 'and never sees the events that now belong to the other one');
  });

  it('removes the profile`s events, its anonymous history too, on erasure', async () => {
    const device = await anonymous(system);
    const anonId = randomUUID();
    await track(device.token, [{ id: anonId, type: 'browse', occurredAt: ago(4 * MINUTE) }]);
    await accepted.waitFor((ms) => ms.some((m) => m.value?.includes(anonId)), 30_000);
    const email = uniqueEmail('erased');
    await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    const profileId = signIn.body.profileId as string;
    const ownId = randomUUID();
    await track(signIn.body.token, [{ id: ownId, type: 'buy', occurredAt: ago(2 * MINUTE) }]);
    await listUntil(signIn.body.token, since(10 * MINUTE), (i) => i.length === 2);
    const stored = async () =>
      Number(
        (
          await db.query(`SELECT count(*) AS n FROM own_events.events WHERE workspace_id = $1 AND (profile_id = $2 OR device_uuid = $3)`, [
            workspaceId,
            profileId,
            device.uuid,
          ])
        ).rows[0].n,
      );
    assert.equal(await stored(), 2);

    const erased = await system.http('DELETE', `/v1/backend/profiles/${profileId}`, {
      headers: { authorization: `Bearer ${system.serverKey}` },
    });
    assert.equal(erased.status, 202);
    await waitFor(async () => (await stored()) === 0, { timeoutMs: 30_000, what: 'the erased profile`s own events gone' });
    assert.equal((await list(signIn.body.token, since(10 * MINUTE))).status, 401, 'and its token is refused');
  });
});
