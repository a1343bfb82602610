import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PROFILE_FIELD_NAMES, type IdentityEvent } from '@idstream/contracts';
import { IdentityEventsBuilder } from '../test-support/identity-events.builder';
import { MemoryProfileModel } from '../test-support/profile.memory';
import { evolve, emptySlice, isLater, isNewer, keysOf } from './profile.evolve';

const given = (events: IdentityEvent[]) => new MemoryProfileModel().applyAll(events);

describe('profile projection (pure)', () => {
  it('AnonymousClientCreated: an anonymous profile whose id is the device uuid, with that uuid linked, no personal data', () => {
    const b = new IdentityEventsBuilder();
    const created = b.anonymous();
    const m = given([created]);
    const row = m.profile(b.workspaceId, created.data.uuid)!;
    assert.equal(row.kind, 'anonymous');
    assert.equal(row.status, 'anonymous');
    assert.equal(row.email, null);
    assert.equal(row.firstName, null);
    assert.equal(row.createdAt, created.occurredAt);
    assert.deepEqual(m.uuidsOf(b.workspaceId, created.data.uuid), [created.data.uuid]);
  });

  it('UserRegistered with a device: the device moves to the customer and its anonymous profile is folded in', () => {
    const b = new IdentityEventsBuilder();
    const device = b.anonymous();
    const p = randomUUID();
    const reg = b.registered(p, 'Ann@Example.com', {
      deviceUuid: device.data.uuid,
      profile: { firstName: 'Ann', customId: 'c-1' },
      agreements: { email: true },
      attributes: { tier: 'gold' },
    });
    const m = given([device, reg]);
    const customer = m.profile(b.workspaceId, p)!;
    assert.equal(customer.kind, 'customer');
    assert.equal(customer.status, 'active');
    assert.equal(customer.email, 'Ann@Example.com');
    assert.equal(customer.firstName, 'Ann');
    assert.equal(customer.customId, 'c-1');
    assert.deepEqual(customer.agreements, { email: true });
    assert.deepEqual(customer.attributes, { tier: 'gold' });
    assert.equal(customer.createdAt, reg.occurredAt);
    assert.deepEqual(m.uuidsOf(b.workspaceId, p), [device.data.uuid]);
    assert.deepEqual(m.mergedInto(b.workspaceId, p), [device.data.uuid]);
    const anonymous = m.profile(b.workspaceId, device.data.uuid)!;
    assert.equal(anonymous.status, 'merged');
    assert.equal(anonymous.mergedInto, p);
    assert.equal(anonymous.updatedAt, reg.occurredAt);
    assert.deepEqual(m.uuidsOf(b.workspaceId, device.data.uuid), []);
  });

  it('ProfileImported, then UserRegistered attached to it: one profile, registration fields over imported ones', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const imported = b.imported(p, 'bob@example.com', { firstName: 'Robert', city: 'Oslo' }, { source: 'crm', score: 1 });
    const m = given([imported]);
    const before = m.profile(b.workspaceId, p)!;
    assert.equal(before.status, 'imported');
    assert.equal(before.city, 'Oslo');
    const reg = b.registered(p, 'Bob@example.com', {
      profile: { firstName: 'Bob' },
      attributes: { score: 2 },
      attached: true,
      pending: true,
    });
    m.apply(reg);
    const after = m.profile(b.workspaceId, p)!;
    assert.equal(after.status, 'pending-activation');
    assert.equal(after.firstName, 'Bob');
    assert.equal(after.city, 'Oslo');
    assert.equal(after.email, 'Bob@example.com');
    assert.deepEqual(after.attributes, { source: 'crm', score: 2 });
    assert.equal(after.createdAt, imported.occurredAt);
    assert.equal(after.updatedAt, reg.occurredAt);
  });

  it('ProfileImported as an update (created: false) changes the given fields only', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const m = given([
      b.imported(p, 'c@example.com', { firstName: 'C', phone: '1' }),
      b.imported(p, null, { phone: '2' }, { vip: true }, false),
    ]);
    const row = m.profile(b.workspaceId, p)!;
    assert.equal(row.email, 'c@example.com');
    assert.equal(row.firstName, 'C');
    assert.equal(row.phone, '2');
    assert.deepEqual(row.attributes, { vip: true });
  });

  it('AccountUpdated carries changed fields only: the rest stays, agreements and attributes merge by key', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const m = given([
      b.registered(p, 'd@example.com', {
        profile: { firstName: 'D', lastName: 'Old' },
        agreements: { email: true, sms: false },
        attributes: { a: 1 },
      }),
    ]);
    const upd = b.updated(p, { lastName: 'New', zipCode: '0150' }, { agreements: { sms: true }, attributes: { b: 2 } });
    m.apply(upd);
    const row = m.profile(b.workspaceId, p)!;
    assert.equal(row.firstName, 'D');
    assert.equal(row.lastName, 'New');
    assert.equal(row.zipCode, '0150');
    assert.deepEqual(row.agreements, { email: true, sms: true });
    assert.deepEqual(row.attributes, { a: 1, b: 2 });
    assert.equal(row.updatedAt, upd.occurredAt);
  });

  it('EmailConfirmed sets emailConfirmed, and activates a pending account when it says so', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const m = given([b.registered(p, 'e@example.com', { pending: true }), b.confirmed(p, true)]);
    assert.equal(m.profile(b.workspaceId, p)!.emailConfirmed, true);
    assert.equal(m.profile(b.workspaceId, p)!.status, 'active');
    const q = randomUUID();
    m.applyAll([b.registered(q, 'f@example.com', { pending: true }), b.confirmed(q, false)]);
    assert.equal(m.profile(b.workspaceId, q)!.status, 'pending-activation');
  });

  it('SessionOpened sets lastSignInAt (not updatedAt) and moves a device from another customer', () => {
    const b = new IdentityEventsBuilder();
    const [a, c] = [randomUUID(), randomUUID()];
    const device = b.anonymous();
    const regA = b.registered(a, 'a@example.com', { deviceUuid: device.data.uuid });
    const regC = b.registered(c, 'c@example.com');
    const session = b.signedIn(c, device.data.uuid);
    const m = given([device, regA, regC, session]);
    const row = m.profile(b.workspaceId, c)!;
    assert.equal(row.lastSignInAt, session.occurredAt);
    assert.equal(row.updatedAt, regC.occurredAt);
    assert.deepEqual(m.uuidsOf(b.workspaceId, c), [device.data.uuid]);
    assert.deepEqual(m.uuidsOf(b.workspaceId, a), []);
    // The anonymous profile stays folded into the first customer that linked the device.
    assert.equal(m.profile(b.workspaceId, device.data.uuid)!.mergedInto, a);
    assert.deepEqual(m.mergedInto(b.workspaceId, a), [device.data.uuid]);
  });

  it('ClientRecognized links the device to the customer, and moves it from a previous one', () => {
    const b = new IdentityEventsBuilder();
    const [a, c] = [randomUUID(), randomUUID()];
    const device = b.anonymous();
    const m = given([device, b.imported(a, 'a@example.com'), b.imported(c, 'c@example.com'), b.recognized(a, device.data.uuid)]);
    assert.deepEqual(m.uuidsOf(b.workspaceId, a), [device.data.uuid]);
    assert.equal(m.profile(b.workspaceId, device.data.uuid)!.status, 'merged');
    m.apply(b.recognized(c, device.data.uuid, a));
    assert.deepEqual(m.uuidsOf(b.workspaceId, a), []);
    assert.deepEqual(m.uuidsOf(b.workspaceId, c), [device.data.uuid]);
  });

  it('ProfileErased keeps a tombstone only, drops its links, and an older link delivered later does not come back', () => {
    const b = new IdentityEventsBuilder();
    const [p, other] = [randomUUID(), randomUUID()];
    const device = b.anonymous();
    const regOther = b.registered(other, 'o@example.com');
    const earlierLink = b.signedIn(other, device.data.uuid); // older than p's link below
    const reg = b.registered(p, 'Gone@example.com', {
      deviceUuid: device.data.uuid,
      profile: { firstName: 'G', customId: 'g-1' },
      attributes: { x: 1 },
    });
    const signIn = b.signedIn(p, null);
    const erased = b.erased(p);
    // p's stream first, the other customer's (older) link arrives after the erasure.
    const m = given([device, reg, signIn, erased, regOther, earlierLink]);
    const row = m.profile(b.workspaceId, p)!;
    assert.deepEqual(
      { ...row },
      {
        ...Object.fromEntries(PROFILE_FIELD_NAMES.map((f) => [f, null])),
        workspaceId: b.workspaceId,
        profileId: p,
        kind: 'customer',
        status: 'erased',
        email: null,
        emailConfirmed: false,
        agreements: null,
        attributes: null,
        mergedInto: null,
        createdAt: reg.occurredAt,
        updatedAt: erased.data.erasedAt,
        lastSignInAt: null,
        erasedAt: erased.data.erasedAt,
      },
    );
    assert.deepEqual(m.uuidsOf(b.workspaceId, p), []);
    assert.deepEqual(m.mergedInto(b.workspaceId, p), []);
    assert.deepEqual(m.uuidsOf(b.workspaceId, other), [], 'an older link does not take the device back');
    // Events after the erasure never bring personal data back.
    m.apply(b.updated(p, { firstName: 'Back' }));
    assert.equal(m.profile(b.workspaceId, p)!.firstName, null);
  });

  it('skips an event whose sequence is not newer than the one applied for its aggregate', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const reg = b.registered(p, 'h@example.com', { profile: { firstName: 'First' } });
    const upd = b.updated(p, { firstName: 'Second' });
    const m = given([reg, upd]);
    assert.equal(m.apply(upd), 'stale', 'the same event again');
    assert.equal(
      m.apply({ ...upd, id: randomUUID(), data: { ...upd.data, changes: { firstName: 'Stale' } } }),
      'stale',
      'another id, old sequence',
    );
    assert.equal(m.profile(b.workspaceId, p)!.firstName, 'Second');
    assert.equal(isNewer(undefined, { sequence: 1 }), true);
    assert.equal(isNewer(3, { sequence: 3 }), false);
    assert.equal(isNewer(3, { sequence: 4 }), true);
  });

  it('events the model ignores change no row (they only advance their stream)', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    const m = given([b.registered(p, 'i@example.com')]);
    const before = JSON.stringify(m.snapshot().profiles);
    for (const event of [...b.ignored(p), b.keyRotated()]) {
      assert.deepEqual(keysOf(event), { profiles: [], devices: [], ownedBy: [] });
      assert.deepEqual(evolve(emptySlice(), event), []);
      assert.equal(m.apply(event), 'applied');
    }
    assert.equal(JSON.stringify(m.snapshot().profiles), before);
    assert.equal(m.positions.get(`${b.workspaceId}/${p}`)!.sequence, 8);
  });

  it('events for a profile the model never saw change nothing (no row is invented)', () => {
    const b = new IdentityEventsBuilder();
    const p = randomUUID();
    for (const event of [
      b.updated(p, { firstName: 'X' }),
      b.confirmed(p),
      b.signedIn(p, randomUUID()),
      b.recognized(p, randomUUID()),
      b.erased(p),
    ]) {
      assert.deepEqual(evolve(emptySlice(), event), []);
    }
  });

  it('event order: by occurredAt, then by event id', () => {
    assert.equal(isLater({ at: '2025-01-01T00:00:01Z', id: 'a' }, { at: '2025-01-01T00:00:00Z', id: 'b' }), true);
    assert.equal(
      isLater({ at: '2025-01-01T01:00:00+01:00', id: 'b' }, { at: '2025-01-01T00:00:00Z', id: 'a' }),
      true,
      'same instant: the id decides',
    );
    assert.equal(isLater({ at: '2025-01-01T00:00:00Z', id: 'a' }, { at: '2025-01-01T00:00:00Z', id: 'a' }), false);
  });

  it('partitions interleave freely: every order that keeps each aggregate in sequence ends in the same rows', () => {
    const b = new IdentityEventsBuilder();
    const [d1, d2] = [randomUUID(), randomUUID()];
    const [p, q, r] = [randomUUID(), randomUUID(), randomUUID()];
    const streams: IdentityEvent[][] = [
      [b.anonymous(d1)],
      [b.anonymous(d2)],
      [b.registered(q, 'q@example.com', { deviceUuid: d2 })],
      [b.registered(p, 'p@example.com', { deviceUuid: d1 }), b.signedIn(p, d2), b.updated(p, { city: 'Bergen' })],
      [b.imported(r, 'r@example.com'), b.recognized(r, d1, p), b.recognized(r, d2, p)],
      [b.registered(q === p ? q : randomUUID(), 'z@example.com', { deviceUuid: d1 })],
    ];
    // q's erasure after everything else of q.
    streams[2]!.push(b.erased(q));
    const reference = given(streams.flat()).snapshot();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 300; run++) {
      const cursors = streams.map(() => 0);
      const order: IdentityEvent[] = [];
      while (order.length < streams.flat().length) {
        const open = streams.map((s, i) => i).filter((i) => cursors[i]! < streams[i]!.length);
        const pick = open[Math.floor(random() * open.length)]!;
        order.push(streams[pick]![cursors[pick]!++]!);
      }
      assert.deepEqual(
        given(order).snapshot(),
        reference,
        `order ${order.map((e) => `${e.type}@${e.aggregateId.slice(0, 4)}`).join(', ')}`,
      );
    }
  });
});
