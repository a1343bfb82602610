import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { formatPosition, type IdentityEvent } from '@idstream/contracts';
import { waitFor } from '@idstream/testing';
import { IdentityEventsBuilder } from './test-support/identity-events.builder';
import { ProjectorHarness } from './test-support/projector.harness';
import { MemoryProfileModel } from './test-support/profile.memory';

/** The value of a Reply, or a failure naming its error. */
function value<T>(reply: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!reply.ok) assert.fail(`expected ok, got ${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

describe('profile projector (real Kafka and PostgreSQL, a real process)', () => {
  const h = new ProjectorHarness();
  before(() => h.setUp());
  after(() => h.tearDown());

  it('projects every identity event type into the profile read model', async () => {
    const b = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    const phone = b.anonymous();
    const tablet = b.anonymous();
    const events: IdentityEvent[] = [
      phone,
      tablet,
      // ann registers from her phone, confirms, updates, signs in from the tablet
      b.registered(ann, 'Ann@Example.com', {
        deviceUuid: phone.data.uuid,
        pending: true,
        profile: { firstName: 'Ann', customId: 'crm-ann' },
        agreements: { email: true },
        attributes: { plan: 'free' },
      }),
      b.confirmed(ann, true),
      b.updated(ann, { lastName: 'Lee', birthDate: '1990-04-01' }, { attributes: { plan: 'pro' } }),
      b.signedIn(ann, tablet.data.uuid),
      ...b.ignored(ann),
      // bob is imported by a backend, updated by an upsert, then registers (attached)
      b.imported(bob, 'bob@example.com', { firstName: 'Robert', city: 'Oslo' }, { source: 'crm' }),
      b.imported(bob, null, { phone: '+4712345678' }, {}, false),
      b.registered(bob, 'bob@example.com', { profile: { firstName: 'Bob' }, attached: true }),
      // a backend recognizes ann's tablet as cat's: the device moves
      b.imported(cat, 'cat@example.com'),
      b.recognized(cat, tablet.data.uuid, ann),
      b.keyRotated(),
    ];
    await h.publish(events);
    // Waiting for ann's last position is the read-your-writes path; other streams may still be on their way.
    assert.equal(
      value(await h.get({ workspaceId: ws, profileId: ann, minPosition: formatPosition(ann, b.sequenceOf(ann)) })).status,
      'active',
    );
    await h.applied(events);

    const annNow = value(await h.get({ workspaceId: ws, profileId: ann }));
    assert.equal(annNow.kind, 'customer');
    assert.equal(annNow.status, 'active');
    assert.equal(annNow.email, 'Ann@Example.com');
    assert.equal(annNow.emailConfirmed, true);
    assert.equal(annNow.firstName, 'Ann');
    assert.equal(annNow.lastName, 'Lee');
    assert.equal(annNow.birthDate, '1990-04-01');
    assert.equal(annNow.customId, 'crm-ann');
    assert.deepEqual(annNow.agreements, { email: true });
    assert.deepEqual(annNow.attributes, { plan: 'pro' });
    assert.deepEqual(annNow.uuids, [phone.data.uuid], 'the tablet moved to cat');
    assert.deepEqual(annNow.mergedProfileIds, [phone.data.uuid, tablet.data.uuid]);
    assert.equal(annNow.phone, null);
    assert.equal(annNow.erasedAt, null);
    assert.ok(annNow.lastSignInAt && annNow.lastSignInAt > annNow.createdAt);
    assert.ok(annNow.updatedAt > annNow.createdAt);

    const bobView = value(await h.get({ workspaceId: ws, profileId: bob }));
    assert.equal(bobView.status, 'active');
    assert.equal(bobView.firstName, 'Bob');
    assert.equal(bobView.city, 'Oslo');
    assert.equal(bobView.phone, '+4712345678');
    assert.deepEqual(bobView.attributes, { source: 'crm' });

    const catView = value(await h.get({ workspaceId: ws, profileId: cat }));
    assert.equal(catView.status, 'imported');
    assert.deepEqual(catView.uuids, [tablet.data.uuid]);
    assert.deepEqual(catView.mergedProfileIds, []);

    const phoneView = value(await h.get({ workspaceId: ws, profileId: phone.data.uuid }));
    assert.equal(phoneView.kind, 'anonymous');
    assert.equal(phoneView.status, 'merged');
    assert.equal(phoneView.mergedInto, ann);
    assert.deepEqual(phoneView.uuids, []);
    assert.equal(phoneView.email, null);

    // The database equals the pure model's oracle, row for row.
    assert.deepEqual(await h.snapshot(ws), new MemoryProfileModel().applyAll(events).snapshot());
  });

  it('looks profiles up by email (case-insensitive), customId and uuid, within the workspace only', async () => {
    const b = new IdentityEventsBuilder();
    const other = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const p = randomUUID();
    const device = b.anonymous();
    const events = [device, b.registered(p, 'Mixed.Case@Example.COM', { deviceUuid: device.data.uuid, profile: { customId: 'ext-42' } })];
    const foreign = [other.imported(randomUUID(), 'mixed.case@example.com', { customId: 'ext-42' })];
    await h.publish([...events, ...foreign]);
    await h.applied([...events, ...foreign]);

    for (const email of ['mixed.case@example.com', 'MIXED.CASE@EXAMPLE.COM', 'Mixed.Case@Example.COM']) {
      const { items } = value(await h.find({ workspaceId: ws, by: 'email', value: email }));
      assert.deepEqual(
        items.map((i) => i.profileId),
        [p],
        email,
      );
      assert.equal(items[0]!.email, 'Mixed.Case@Example.COM', 'stored as given');
    }
    assert.deepEqual(
      value(await h.find({ workspaceId: ws, by: 'customId', value: 'ext-42' })).items.map((i) => i.profileId),
      [p],
    );
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'customId', value: 'EXT-42' })).items, [], 'customId is exact');
    assert.deepEqual(
      value(await h.find({ workspaceId: ws, by: 'uuid', value: device.data.uuid })).items.map((i) => i.profileId),
      [p],
    );
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'uuid', value: randomUUID() })).items, []);
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'email', value: 'nobody@example.com' })).items, []);
  });

  it('an erased profile keeps only its tombstone: no lookup finds it, its links are gone', async () => {
    const b = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const p = randomUUID();
    const device = b.anonymous();
    const reg = b.registered(p, 'gone@example.com', {
      deviceUuid: device.data.uuid,
      profile: { firstName: 'Gone', customId: 'gone-1', phone: '1' },
      attributes: { a: 1 },
    });
    const events = [device, reg, b.signedIn(p, device.data.uuid), b.erased(p)];
    await h.publish(events);
    const erased = events[3] as Extract<IdentityEvent, { type: 'ProfileErased' }>;
    const view = value(await h.get({ workspaceId: ws, profileId: p, minPosition: formatPosition(p, erased.sequence) }));
    assert.deepEqual(view, {
      profileId: p,
      kind: 'customer',
      status: 'erased',
      email: null,
      emailConfirmed: false,
      firstName: null,
      lastName: null,
      displayName: null,
      phone: null,
      customId: null,
      sex: null,
      birthDate: null,
      company: null,
      address: null,
      city: null,
      province: null,
      zipCode: null,
      countryCode: null,
      agreements: null,
      attributes: null,
      uuids: [],
      mergedProfileIds: [],
      mergedInto: null,
      createdAt: reg.occurredAt,
      updatedAt: erased.data.erasedAt,
      lastSignInAt: null,
      erasedAt: erased.data.erasedAt,
    });
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'email', value: 'gone@example.com' })).items, []);
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'customId', value: 'gone-1' })).items, []);
    assert.deepEqual(value(await h.find({ workspaceId: ws, by: 'uuid', value: device.data.uuid })).items, []);
    const [row] = await h.sql(`SELECT * FROM profiles.profiles WHERE workspace_id = $1 AND profile_id = $2`, [ws, p]);
    const personal = Object.entries(row!).filter(
      ([k, v]) =>
        v !== null &&
        !['workspace_id', 'profile_id', 'kind', 'status', 'email_confirmed', 'created_at', 'updated_at', 'erased_at'].includes(k),
    );
    assert.deepEqual(personal, [], 'no personal column keeps a value');
  });

  it('the same envelope published twice, and a stale sequence under a new id, leave the model exact', async () => {
    const b = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const [p, q] = [randomUUID(), randomUUID()];
    const device = b.anonymous();
    const events: IdentityEvent[] = [
      device,
      b.registered(p, 'dup@example.com', { deviceUuid: device.data.uuid, attributes: { n: 0 } }),
      b.updated(p, { firstName: 'One' }, { attributes: { n: 1 } }),
      b.updated(p, { firstName: 'Two' }, { attributes: { n: 2 } }),
      b.registered(q, 'q@example.com'),
      b.recognized(q, device.data.uuid, p),
    ];
    const stale = {
      ...events[2]!,
      id: randomUUID(),
      data: { profileId: p, changes: { firstName: 'Stale' }, attributes: { n: -1 } },
    } as IdentityEvent;
    // Everything twice (an outbox relay that crashed before marking), then the stale one.
    await h.publish(events);
    await h.publish(events);
    await h.publish([stale, events[1]!]);
    await h.applied(events);
    // The stale event came last on p's partition: once something published after it is applied, so is it.
    const marker = b.updated(p, {});
    await h.publish([marker]);
    await h.applied([marker]);
    const view = value(await h.get({ workspaceId: ws, profileId: p }));
    assert.equal(view.firstName, 'Two');
    assert.deepEqual(view.attributes, { n: 2 });
    assert.deepEqual(view.uuids, []);
    assert.deepEqual(value(await h.get({ workspaceId: ws, profileId: q })).uuids, [device.data.uuid]);
    assert.deepEqual(await h.snapshot(ws), new MemoryProfileModel().applyAll([...events, marker]).snapshot());
    const processed = await h.sql<{ n: string }>(
      `SELECT count(*) AS n FROM profiles.processed_events WHERE group_id = $1 AND event_id = ANY($2::text[])`,
      [h.groupId, [...events, stale, marker].map((e) => e.id)],
    );
    assert.equal(Number(processed[0]!.n), events.length + 2, 'each event id processed once');
  });

  it('a query with minPosition waits for an event published after it started', async () => {
    const b = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const p = randomUUID();
    const imported = b.imported(p, 'later@example.com', { firstName: 'Later' });
    const pending = h.get({ workspaceId: ws, profileId: p, minPosition: formatPosition(p, imported.sequence) });
    const byEmail = h.find({ workspaceId: ws, by: 'email', value: 'LATER@example.com', minPosition: formatPosition(p, imported.sequence) });
    let answered = false;
    void pending.then(() => (answered = true));
    // Nothing is published yet: the query must still be waiting.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(answered, false, 'answered before the event existed');
    await h.publish([imported]);
    assert.equal(value(await pending).firstName, 'Later');
    assert.deepEqual(
      value(await byEmail).items.map((i) => i.profileId),
      [p],
    );
    // An event the model ignores still counts as applied for the wait.
    const [requested] = b.ignored(p);
    await h.publish([requested!]);
    assert.equal(value(await h.get({ workspaceId: ws, profileId: p, minPosition: formatPosition(p, requested!.sequence) })).profileId, p);
  });

  it('a position that never comes gets CONSISTENCY_TIMEOUT; bad and unknown queries answer with codes', async () => {
    const b = new IdentityEventsBuilder();
    const ws = b.workspaceId;
    const p = randomUUID();
    const imported = b.imported(p, 'x@example.com');
    await h.publish([imported]);
    await h.applied([imported]);
    const timeout = await h.get({ workspaceId: ws, profileId: p, minPosition: formatPosition(p, 99) });
    assert.equal(timeout.ok, false);
    if (!timeout.ok) {
      assert.equal(timeout.error.code, 'CONSISTENCY_TIMEOUT');
      assert.equal(timeout.error.retryAfter, 1);
    }
    // The same position in another workspace is another stream.
    const elsewhere = await h.get({ workspaceId: randomUUID(), profileId: p, minPosition: formatPosition(p, 1) });
    assert.equal(!elsewhere.ok && elsewhere.error.code, 'CONSISTENCY_TIMEOUT');
    const missing = await h.get({ workspaceId: ws, profileId: randomUUID() });
    assert.equal(!missing.ok && missing.error.code, 'PROFILE_NOT_FOUND');
    const bad = await h.find({ workspaceId: ws, by: 'phone' as 'email', value: '1' });
    assert.equal(!bad.ok && bad.error.code, 'BAD_QUERY');
    const badPosition = await h.get({ workspaceId: ws, profileId: p, minPosition: 'no-sequence' });
    assert.equal(!badPosition.ok && badPosition.error.code, 'BAD_QUERY');
  });

  it('exposes consumer lag per partition, applied events and handler errors on /metrics', async () => {
    const b = new IdentityEventsBuilder();
    const imported = b.imported(randomUUID(), 'metrics@example.com');
    await h.publish([imported]);
    await h.applied([imported]);
    const group = `group="${h.groupId}"`;
    let text = '';
    await waitFor(
      async () => {
        text = await h.metrics();
        const lags = text.split('\n').filter((l) => l.startsWith('idstream_consumer_lag{') && l.includes(group));
        return lags.length >= 1 && lags.every((l) => l.endsWith(' 0'));
      },
      { timeoutMs: 15_000, what: 'lag 0 on every partition' },
    );
    for (const partition of [0, 1, 2])
      assert.ok(
        text.includes(`idstream_consumer_lag{group="${h.groupId}",topic="${h.topic}",partition="${partition}"} 0`),
        `lag of partition ${partition}`,
      );
    const applied = /idstream_consumer_events_applied_total\{[^}]*\} (\d+)/.exec(
      text.split('\n').find((l) => l.startsWith('idstream_consumer_events_applied_total{') && l.includes(group)) ?? '',
    );
    assert.ok(applied && Number(applied[1]) > 0, 'applied counter');
    assert.match(text, /# TYPE idstream_consumer_handler_errors_total counter/);
  });
});
