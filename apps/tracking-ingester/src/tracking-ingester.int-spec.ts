import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TrackingEventAccepted, TrackingEventRejected } from '@idstream/contracts';
import { generateSigningKey, type SigningKey } from '@idstream/crypto';
import { waitFor } from '@idstream/testing';
import { IngesterHarness, accessToken, clientEvent, identityEvent, rawRecord } from './test-support/ingester.harness';

const HOUR = 3600_000;

describe('tracking-ingester (a real process on real Kafka and PostgreSQL)', () => {
  // Small fetches: many small transactions, so that a kill lands in the middle of the stream.
  // A wide identity grace: the test of a recognition published just after the request must not race a loaded machine.
  const h = new IngesterHarness({ INGESTER_MAX_BYTES_PER_PARTITION: '8192', INGESTER_IDENTITY_GRACE_MS: '1500' });
  const ws = `ws-${randomUUID()}`;
  const stream = `ws-kill-${randomUUID()}`;
  /** A workspace whose tokenAlgorithm is ES256 (ws and stream keep the default, EdDSA). */
  const esWs = `ws-es-${randomUUID()}`;
  let key: SigningKey;
  let esKey: SigningKey;

  const acceptedOf = (ids: string[]) => h.acceptedEnvelopes().filter((e) => ids.includes(e.data.eventId));
  const rejectedOf = (ids: string[]) => h.rejections().filter((r) => r.eventId !== null && ids.includes(r.eventId));
  const waitAccepted = (ids: string[]) =>
    h.accepted.waitFor(() => acceptedOf(ids).length >= ids.length, 30_000).then(() => acceptedOf(ids));
  const waitRejected = (ids: string[]) =>
    h.rejected.waitFor(() => rejectedOf(ids).length >= ids.length, 30_000).then(() => rejectedOf(ids));

  before(async () => {
    await h.setUp();
    for (const w of [ws, stream]) h.auth.workspaces.set(w, 'EdDSA');
    h.auth.workspaces.set(esWs, 'ES256');
    key = await generateSigningKey();
    esKey = await generateSigningKey(new Date(), 'ES256');
    // The public keys reach the ingester the way auth's keys do: a SigningKeyRotated event per algorithm.
    await h.publishIdentity(
      ...[key, esKey].map((k) =>
        identityEvent('SigningKeyRotated', 'system', 'signing-keys', {
          kid: k.kid,
          publicJwk: k.publicJwk,
          previousKid: null,
          previousValidUntil: null,
        }),
      ),
    );
    await h.start();
  });

  after(() => h.tearDown());

  it('accepts anonymous events under the device uuid, in the envelope, with corrected and client times and no token', async () => {
    const device = randomUUID();
    const token = await accessToken(key, { aud: ws, uuid: device });
    const now = Date.now();
    // The client's clock is one hour behind: it sent the batch at (its) now - 1 h, 5 s after the first event.
    const skewed = clientEvent({ occurredAt: new Date(now - HOUR - 5000).toISOString(), label: 'home', params: { tab: 2 } });
    const plain = clientEvent();
    const record = rawRecord(token, device, [skewed, plain], {
      receivedAt: new Date(now).toISOString(),
      sentAt: new Date(now - HOUR).toISOString(),
    });
    await h.publishRaw(record);

    const accepted = await waitAccepted([skewed.id, plain.id]);
    assert.equal(accepted.length, 2);
    const first = accepted.find((e) => e.data.eventId === skewed.id)!;
    assert.equal(first.type, 'TrackingEventAccepted');
    assert.equal(first.workspaceId, ws);
    assert.equal(first.aggregateId, device);
    assert.equal(first.data.deviceUuid, device);
    assert.equal(first.data.profileId, null);
    assert.equal(first.data.anonymous, true);
    assert.equal(first.data.eventType, 'screen_view');
    assert.equal(first.data.label, 'home');
    assert.deepEqual(first.data.params, { tab: 2 });
    assert.equal(first.data.clientOccurredAt, skewed.occurredAt);
    assert.equal(first.data.occurredAt, new Date(now - 5000).toISOString(), 'receivedAt - (sentAt - occurredAt)');
    assert.equal(first.data.clockSkewMs, HOUR);
    assert.equal(first.data.token.kid, key.kid);
    assert.equal(first.correlationId, record.requestId);
    const message = h.accepted.messages.find((m) => m.value!.includes(skewed.id))!;
    assert.equal(message.key, `${ws}:${device}`);
    assert.equal(message.headers['event-type'], 'TrackingEventAccepted');
    assert.equal(message.value!.includes(token), false, 'the token never reaches tracking.events');
  });

  it('accepts events under the profile id after a sign-in or a recognition of the device, and before it anonymously', async () => {
    const signedIn = randomUUID();
    const recognized = randomUUID();
    const [annId, bobId] = [randomUUID(), randomUUID()];
    const t0 = Date.now();

    // Before the recognition: anonymous.
    const early = clientEvent();
    await h.publishRaw(
      rawRecord(await accessToken(key, { aud: ws, uuid: recognized }), recognized, [early], {
        receivedAt: new Date(t0 - 10_000).toISOString(),
      }),
    );

    await h.publishIdentity(
      identityEvent(
        'SessionOpened',
        ws,
        annId,
        { profileId: annId, sessionId: randomUUID(), deviceUuid: signedIn, expiresAt: new Date(t0 + HOUR).toISOString() },
        new Date(t0 - 5000),
      ),
      identityEvent(
        'ClientRecognized',
        ws,
        bobId,
        { profileId: bobId, uuid: recognized, matchedBy: 'email', previousProfileId: null },
        new Date(t0 - 5000),
      ),
    );
    // The events go out right after: the ingester waits for its identity view before deciding.
    const anonToken = await accessToken(key, { aud: ws, uuid: signedIn });
    const customerToken = await accessToken(key, { aud: ws, uuid: signedIn, sub: annId, role: 'customer' });
    const [a, b, c] = [clientEvent(), clientEvent(), clientEvent()];
    await h.publishRaw(
      rawRecord(anonToken, signedIn, [a]),
      rawRecord(customerToken, signedIn, [b]),
      rawRecord(await accessToken(key, { aud: ws, uuid: recognized }), recognized, [c]),
    );

    const accepted = await waitAccepted([early.id, a.id, b.id, c.id]);
    const profileOf = (id: string) => accepted.find((e) => e.data.eventId === id)!.data;
    assert.deepEqual([profileOf(early.id).profileId, profileOf(early.id).anonymous], [null, true], 'received before the recognition');
    assert.deepEqual([profileOf(a.id).profileId, profileOf(a.id).anonymous], [annId, false], "a signed-in device's anonymous token");
    assert.equal(profileOf(b.id).profileId, annId, 'a customer token');
    assert.equal(profileOf(c.id).profileId, bobId, 'after the recognition');
    assert.deepEqual(
      [
        ...new Set(
          accepted
            .filter((e) => e.data.deviceUuid === recognized)
            .map((e) => h.accepted.messages.find((m) => m.value!.includes(e.data.eventId))!.key),
        ),
      ],
      [`${ws}:${recognized}`],
      'one key per device, anonymous or not',
    );
  });

  it('makes the devices of an erased profile anonymous again', async () => {
    const device = randomUUID();
    const profile = randomUUID();
    const t0 = Date.now();
    await h.publishIdentity(
      identityEvent(
        'UserRegistered',
        ws,
        profile,
        {
          profileId: profile,
          email: `${profile}@example.com`,
          profile: {},
          agreements: {},
          attributes: {},
          deviceUuid: device,
          registrationMode: 'automatic',
          status: 'active',
          emailConfirmed: false,
          attachedToImportedProfile: false,
        },
        new Date(t0 - 60_000),
      ),
      identityEvent('AccountUpdated', ws, profile, { profileId: profile, changes: { firstName: 'Skipped' } }, new Date(t0 - 50_000)),
    );
    const token = await accessToken(key, { aud: ws, uuid: device });
    const before = clientEvent();
    await h.publishRaw(rawRecord(token, device, [before], { receivedAt: new Date(t0 - 30_000).toISOString() }));
    assert.equal((await waitAccepted([before.id]))[0]!.data.profileId, profile, 'linked by the registration from the device');

    await h.publishIdentity(
      identityEvent(
        'ProfileErased',
        ws,
        profile,
        { profileId: profile, erasedAt: new Date(t0 - 10_000).toISOString() },
        new Date(t0 - 10_000),
      ),
    );
    const after = clientEvent();
    await h.publishRaw(rawRecord(token, device, [after], { receivedAt: new Date(t0).toISOString() }));
    const [erased] = await waitAccepted([after.id]);
    assert.deepEqual([erased!.data.profileId, erased!.data.anonymous], [null, true]);
    assert.deepEqual(
      await h.sql('SELECT 1 FROM tracking.device_links WHERE profile_id = $1', [profile]),
      [],
      'the links of an erased profile are forgotten',
    );
  });

  it('sees a recognition committed just before the request even when it reaches identity.events just after it', async () => {
    const device = randomUUID();
    const profile = randomUUID();
    const e = clientEvent();
    const received = Date.now();
    // Auth committed the recognition, the client sent its event, and only then did the outbox relay publish.
    await h.publishRaw(
      rawRecord(await accessToken(key, { aud: ws, uuid: device }), device, [e], { receivedAt: new Date(received).toISOString() }),
    );
    await h.publishIdentity(
      identityEvent(
        'ClientRecognized',
        ws,
        profile,
        { profileId: profile, uuid: device, matchedBy: 'customId', previousProfileId: null },
        new Date(received - 50),
      ),
    );
    const [accepted] = await waitAccepted([e.id]);
    assert.equal(accepted!.data.profileId, profile);
  });

  it('rejects events of a signed-out session, a forged or expired token and another device, with their reasons', async () => {
    const now = Date.now();
    const device = randomUUID();
    const profile = randomUUID();
    const sessionId = randomUUID();
    const customer = await accessToken(key, { aud: ws, uuid: device, sub: profile, role: 'customer', sid: sessionId });
    await h.publishIdentity(
      identityEvent('SessionClosed', ws, profile, {
        profileId: profile,
        sessionId,
        reason: 'sign-out',
        closedAt: new Date(now - 10_000).toISOString(),
        forgetAfter: new Date(now + HOUR).toISOString(),
      }),
    );
    const otherKey = await generateSigningKey();
    // A forger who knows the real kid but not the private key.
    const forgedKey: SigningKey = { ...otherKey, kid: key.kid };
    const expiredIat = Math.floor(now / 1000) - 2 * 3600;

    const cases = {
      signedOut: { token: customer, device, code: 'TOKEN_REVOKED', stage: 'session' },
      unknownKey: { token: await accessToken(otherKey, { aud: ws, uuid: device }), device, code: 'TOKEN_INVALID', stage: 'token' },
      forged: { token: await accessToken(forgedKey, { aud: ws, uuid: device }), device, code: 'TOKEN_INVALID', stage: 'token' },
      expired: {
        token: await accessToken(key, { aud: ws, uuid: device, iat: expiredIat, exp: expiredIat + 3600 }),
        device,
        code: 'TOKEN_EXPIRED',
        stage: 'token',
      },
      otherDevice: { token: await accessToken(key, { aud: ws, uuid: randomUUID() }), device, code: 'DEVICE_MISMATCH', stage: 'device' },
    } as const;
    const sent = new Map<string, { code: string; stage: string }>();
    for (const c of Object.values(cases)) {
      const events = [clientEvent(), clientEvent()];
      for (const e of events) sent.set(e.id, c);
      await h.publishRaw(rawRecord(c.token, c.device, events));
    }
    // The same signed-out token for a request received before the close is legitimate.
    const beforeClose = clientEvent();
    await h.publishRaw(rawRecord(customer, device, [beforeClose], { receivedAt: new Date(now - 20_000).toISOString() }));
    const unreadable = `not json ${randomUUID()}`;
    await h.publishRaw({ key: device, value: unreadable });

    const rejected = await waitRejected([...sent.keys()]);
    assert.equal(rejected.length, sent.size, 'one rejection per event');
    for (const r of rejected) {
      const expected = sent.get(r.eventId!)!;
      assert.deepEqual([r.code, r.stage], [expected.code, expected.stage], r.eventId!);
      assert.equal(r.deviceUuid, device);
      assert.equal(r.source.topic, h.topics.raw);
      assert.ok(Number(r.source.offset) >= 0 && r.source.index !== null);
      assert.equal(
        (JSON.parse(Buffer.from(r.original, 'base64').toString()) as { id: string }).id,
        r.eventId,
        'the original bytes of the event',
      );
    }
    assert.equal(
      rejected.some((r) => r.workspaceId !== null && r.code === 'TOKEN_INVALID'),
      false,
      'an unverified token names no workspace',
    );
    for (const message of h.rejected.messages)
      for (const c of Object.values(cases)) assert.equal(message.value!.includes(c.token), false, 'no token on tracking.rejected');

    const malformed = await h.rejected.waitFor((ms) =>
      ms.some((m) => Buffer.from((JSON.parse(m.value!) as TrackingEventRejected).original, 'base64').toString() === unreadable),
    );
    const record = malformed
      .map((m) => JSON.parse(m.value!) as TrackingEventRejected)
      .find((r) => Buffer.from(r.original, 'base64').toString() === unreadable)!;
    assert.deepEqual([record.code, record.stage, record.source.index], ['RECORD_MALFORMED', 'parse', null]);
    assert.equal((await waitAccepted([beforeClose.id]))[0]!.data.profileId, profile);
  });

  it("refuses a token signed with another algorithm than its workspace's, though a valid key of that algorithm verifies it", async () => {
    const device = randomUUID();
    const cases = [
      { token: await accessToken(key, { aud: esWs, uuid: device }), accepted: false, why: 'EdDSA token of the ES256 workspace' },
      { token: await accessToken(esKey, { aud: ws, uuid: device }), accepted: false, why: 'ES256 token of an EdDSA workspace' },
      { token: await accessToken(esKey, { aud: esWs, uuid: device }), accepted: true, why: 'ES256 token of the ES256 workspace' },
      {
        token: await accessToken(key, { aud: `ws-unknown-${randomUUID()}`, uuid: device }),
        accepted: false,
        why: 'a workspace auth does not list',
      },
    ];
    const sent = cases.map((c) => ({ ...c, event: clientEvent() }));
    for (const c of sent) await h.publishRaw(rawRecord(c.token, device, [c.event]));

    const refused = sent.filter((c) => !c.accepted);
    const rejected = await waitRejected(refused.map((c) => c.event.id));
    for (const c of refused) {
      const r = rejected.find((x) => x.eventId === c.event.id)!;
      assert.deepEqual([r.code, r.stage, r.workspaceId], ['TOKEN_INVALID', 'token', null], c.why);
      assert.match(r.detail, /^alg (EdDSA|ES256) is not the algorithm of workspace /, c.why);
    }
    const [accepted] = await waitAccepted(sent.filter((c) => c.accepted).map((c) => c.event.id));
    assert.deepEqual([accepted!.workspaceId, accepted!.data.token.kid], [esWs, esKey.kid]);
    assert.equal(acceptedOf(refused.map((c) => c.event.id)).length, 0);
  });

  it('accepts a duplicate event id once, whether repeated in a record or retried in another', async () => {
    const device = randomUUID();
    const token = await accessToken(key, { aud: ws, uuid: device });
    const once = clientEvent();
    const retried = clientEvent();
    const marker = clientEvent();
    await h.publishRaw(rawRecord(token, device, [once, retried, once]));
    await h.publishRaw(rawRecord(token, device, [retried]), rawRecord(token, device, [retried, marker]));

    const duplicates = await waitRejected([once.id, retried.id, retried.id]);
    await waitAccepted([marker.id]);
    assert.equal(acceptedOf([once.id]).length, 1);
    assert.equal(acceptedOf([retried.id]).length, 1);
    assert.deepEqual(
      duplicates.map((r) => [r.eventId, r.code, r.stage]).sort(),
      [
        [once.id, 'DUPLICATE_EVENT', 'dedupe'],
        [retried.id, 'DUPLICATE_EVENT', 'dedupe'],
        [retried.id, 'DUPLICATE_EVENT', 'dedupe'],
      ].sort(),
    );
    // The same id from another device is another event.
    const otherDevice = randomUUID();
    await h.publishRaw(rawRecord(await accessToken(key, { aud: ws, uuid: otherDevice }), otherDevice, [once]));
    await h.accepted.waitFor(() => acceptedOf([once.id]).length === 2);
  });

  it('after a crash between the database commit and the Kafka commit, emits the redelivered events once, not as duplicates', async () => {
    // The state such a crash leaves: the ids are remembered (database committed) with the input
    // position that claimed them, but that batch's Kafka transaction never committed, so the
    // record comes again. Built by hand while the ingester is stopped, then the ingester restarts.
    await h.stop();
    const device = randomUUID();
    const token = await accessToken(key, { aud: ws, uuid: device });
    const [redelivered, alsoRedelivered, seenElsewhere] = [clientEvent(), clientEvent(), clientEvent()];
    const [meta] = await h.publishRaw(rawRecord(token, device, [redelivered, alsoRedelivered, seenElsewhere]));
    const offset = meta!.baseOffset!;
    const remember = (eventId: string, at: string, index: number) =>
      h.sql(
        `INSERT INTO tracking.seen_events (workspace_id, device_uuid, event_id, source_group, source_partition, source_offset, source_index, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
        [ws, device, eventId, h.groupId, meta!.partition, at, index],
      );
    await remember(redelivered.id, offset, 0);
    await remember(alsoRedelivered.id, offset, 1);
    // Accepted before from another input position: a true duplicate.
    await remember(seenElsewhere.id, String(BigInt(offset) - 1n), 0);
    await h.start();

    const accepted = await waitAccepted([redelivered.id, alsoRedelivered.id]);
    assert.deepEqual(accepted.map((e) => e.data.eventId).sort(), [redelivered.id, alsoRedelivered.id].sort());
    const [duplicate] = await waitRejected([seenElsewhere.id]);
    assert.deepEqual([duplicate!.code, duplicate!.source.index], ['DUPLICATE_EVENT', 2]);
    assert.equal(acceptedOf([seenElsewhere.id]).length, 0);
  });

  it('killed mid-stream and restarted, loses nothing and emits nothing twice: events in = accepted + rejected', async () => {
    const devices: string[] = Array.from({ length: 12 }, () => randomUUID());
    const tokens = await Promise.all(devices.map((d) => accessToken(key, { aud: stream, uuid: d })));
    const valid = new Set<string>();
    const recent = new Map<string, string[]>(devices.map((d) => [d, []]));
    let eventsIn = 0;
    let n = 0;
    const records = Array.from({ length: 600 }, (_, i) => {
      const device = devices[i % devices.length]!;
      const mine = recent.get(device)!;
      const events: unknown[] = [];
      for (let j = 0; j < 4; j++, n++) {
        if (n % 17 === 0)
          events.push({ id: randomUUID() }); // no type: rejected
        else if (n % 23 === 0 && mine.length > 0)
          events.push({ id: mine[0], type: 'retry' }); // a client retry: a duplicate
        else {
          const e = clientEvent({ params: { i, j } });
          valid.add(e.id);
          mine.push(e.id);
          events.push(e);
        }
      }
      mine.splice(0, Math.max(0, mine.length - 8));
      eventsIn += events.length;
      return rawRecord(tokens[i % devices.length]!, device, events);
    });

    const inStream = (e: TrackingEventAccepted) => e.workspaceId === stream;
    const acceptedNow = () => h.acceptedEnvelopes().filter(inStream).length;
    const chunks = Array.from({ length: 30 }, (_, i) => records.slice(i * 20, i * 20 + 20));
    let killedAt = -1;
    for (let i = 0; i < chunks.length; i++) {
      await h.publishRaw(...chunks[i]!);
      if (i === 9) {
        await h.accepted.waitFor(() => acceptedNow() > 0, 30_000);
        await h.stop('SIGKILL');
        killedAt = acceptedNow();
      }
    }
    assert.ok(killedAt > 0 && killedAt < valid.size, `killed mid-stream (${killedAt} of ${valid.size} accepted)`);
    await h.start();

    const rejectedInStream = () => h.rejections().filter((r) => devices.includes(r.deviceUuid ?? ''));
    await waitFor(() => acceptedNow() + rejectedInStream().length >= eventsIn, {
      timeoutMs: 120_000,
      what: `${eventsIn} events accepted or rejected`,
    });
    const accepted = h.acceptedEnvelopes().filter(inStream);
    const rejected = rejectedInStream();
    const ids = accepted.map((e) => e.data.eventId);
    assert.equal(new Set(ids).size, ids.length, 'no event accepted twice');
    assert.deepEqual(new Set(ids), valid, 'every valid event accepted');
    assert.equal(accepted.length + rejected.length, eventsIn, 'events in = accepted + rejected');
    const positions = rejected.map((r) => `${r.source.partition}/${r.source.offset}/${r.source.index}`);
    assert.equal(new Set(positions).size, positions.length, 'no rejection written twice');
    assert.deepEqual([...new Set(rejected.map((r) => r.code))].sort(), ['DUPLICATE_EVENT', 'EVENT_TYPE_INVALID']);
    const metrics = await h.metrics();
    assert.match(metrics, /idstream_tracking_events_accepted_total \d+/);
    assert.match(metrics, /idstream_tracking_events_rejected_total\{code="DUPLICATE_EVENT"\} \d+/);
    await waitFor(
      async () =>
        new RegExp(`idstream_consumer_lag\\{group="${h.groupId}",topic="${h.topics.raw}",partition="0"\\} 0`).test(await h.metrics()),
      {
        timeoutMs: 15_000,
        what: 'consumer lag per partition on /metrics',
      },
    );
  });
});
