import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openIdentityEvent, parseMasterKeys } from '@idstream/crypto';
import { uuidv7, type WireIdentityEvent } from '@idstream/contracts';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import type { AuthConfig } from '../config/auth.config';
import { authMigrations } from '../migrations/auth.migrations';
import type { ProfileEvent } from '../profile/profile.events';
import { toPublicData } from '../profile/profile.public';
import { evolve, initialProfileState } from '../profile/profile.state';
import { DataKeyService } from './data-key.service';
import { ProfileDataKeys } from './data-keys';
import { EventStore } from './event-store';
import { useStreamKeys } from './sealed-events';

/**
 * The crypto-shredding layer of auth's event store against the real PostgreSQL: what is
 * written is sealed (stored rows and outbox), what is loaded is clear, and once the key is
 * destroyed the stream still loads and folds, to the erased state, with nothing personal.
 */
describe('event store: sealed personal fields (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let keys: ProfileDataKeys;
  let config: AuthConfig;
  const workspaceId = 'ws-sealed';

  before(async () => {
    db = await createTestDatabase('auth_sealed');
    dataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations });
    config = {
      masterKeys: parseMasterKeys(`k1:${randomBytes(32).toString('base64')}`),
      keyServiceSecret: randomBytes(32).toString('base64url'),
    } as AuthConfig;
    keys = new ProfileDataKeys(dataSource, config);
  });

  after(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const context = (now = new Date()) => ({ workspaceId, correlationId: 'c', now, keys });
  const append = (profileId: string, version: number, events: ProfileEvent[]) =>
    dataSource.transaction((m) =>
      EventStore.append(
        m,
        { streamId: profileId, aggregateId: profileId },
        version,
        events.map((e) => ({ type: e.type, data: e.data, publicData: toPublicData(e) })),
        context(),
      ),
    );

  it('stores and publishes sealed, loads clear, and after the key is destroyed folds to erased with nothing personal', async () => {
    const profileId = uuidv7();
    const secret = `Hypatia${randomBytes(4).toString('hex')}`;
    const events: ProfileEvent[] = [
      {
        type: 'UserRegistered',
        data: {
          profileId,
          email: `${secret}@example.test`,
          profile: { firstName: secret, customId: `c-${secret}` },
          agreements: { email: true },
          attributes: { note: secret },
          deviceUuid: null,
          registrationMode: 'automatic',
          status: 'active',
          emailConfirmed: false,
          attachedToImportedProfile: false,
          passwordHash: `pbkdf2-sha256$600000$${secret}`,
        },
      },
      { type: 'AccountUpdated', data: { profileId, changes: { lastName: secret }, attributes: { more: secret } } },
    ];
    const envelopes = await append(profileId, 0, events);
    assert.deepEqual(
      envelopes.map((e) => [e.type, e.schemaVersion]),
      [
        ['UserRegistered', 2],
        ['AccountUpdated', 2],
      ],
    );
    const raw = async () =>
      JSON.stringify(
        (
          await dataSource.query(
            `SELECT (SELECT json_agg(e) FROM auth.events e WHERE stream_id = $1) AS events, (SELECT json_agg(o) FROM auth.outbox o) AS outbox`,
            [profileId],
          )
        )[0],
      );
    assert.ok(!(await raw()).includes(secret), 'nothing in clear in auth.events or auth.outbox');

    const loaded = await EventStore.load(dataSource.manager, profileId);
    assert.deepEqual(
      loaded.map((e) => e.data),
      events.map((e) => e.data),
      'loaded in clear',
    );
    const key = (await keys.existing(dataSource.manager, [profileId])).get(profileId)!;
    assert.deepEqual(
      envelopes.map((e) => openIdentityEvent(e as WireIdentityEvent, key).data),
      events.map((e) => toPublicData(e)),
      'the public envelopes open to the public data',
    );
    const storedUpdate: { data: { changes: { lastName: string } } }[] = await dataSource.query(
      'SELECT data FROM auth.events WHERE stream_id = $1 AND sequence = 2',
      [profileId],
    );
    assert.equal(
      (envelopes[1]!.data as { changes: { lastName: string } }).changes.lastName,
      storedUpdate[0]!.data.changes.lastName,
      'one seal of a field serves the stored row and the public envelope',
    );

    await append(profileId, 2, [{ type: 'ProfileErased', data: { profileId, erasedAt: new Date().toISOString() } }]);
    await dataSource.transaction((m) => keys.destroy(m, workspaceId, profileId, new Date()));
    const afterErasure = await EventStore.load(dataSource.manager, profileId);
    assert.equal(afterErasure.length, 3);
    assert.ok(!JSON.stringify(afterErasure).includes(secret), 'nothing personal loads once the key is gone');
    const state = afterErasure.reduce(
      (s, e) => evolve(s, { type: e.type, data: e.data } as ProfileEvent, e.occurredAt.toISOString()),
      initialProfileState(profileId),
    );
    assert.equal(state.kind, 'erased');
    assert.ok(!('email' in state) || state.email === null);
    assert.equal(await keys.keyFor(dataSource.manager, workspaceId, profileId), null, 'no new key is ever made for an erased profile');
    await assert.rejects(
      append(profileId, 3, [{ type: 'AccountUpdated', data: { profileId, changes: { firstName: secret } } }]),
      /erased/,
      'personal data cannot be recorded for an erased profile',
    );
  });

  it('refuses to record personal data, or to load sealed events, without data keys', async () => {
    const profileId = uuidv7();
    await append(profileId, 0, [{ type: 'AccountUpdated', data: { profileId, changes: { city: 'Alexandria' } } }]);
    useStreamKeys(undefined);
    try {
      await assert.rejects(EventStore.load(dataSource.manager, profileId), /no data keys/);
      await assert.rejects(
        dataSource.transaction((m) =>
          EventStore.append(
            m,
            { streamId: profileId, aggregateId: profileId },
            1,
            [{ type: 'AccountUpdated', data: { profileId, changes: { city: 'Alexandria' } }, publicData: null }],
            { workspaceId, correlationId: 'c', now: new Date() },
          ),
        ),
        /no data keys/,
      );
    } finally {
      useStreamKeys(keys);
    }
  });

  it('concurrent first writers of a profile end with one key', async () => {
    const profileId = uuidv7();
    const got = await Promise.all(Array.from({ length: 5 }, () => dataSource.transaction((m) => keys.keyFor(m, workspaceId, profileId))));
    assert.ok(got.every((k) => k !== null && k.equals(got[0]!)));
  });

  it('the key service answers keys to the credential only, null for an erased or unknown profile', async () => {
    const service = new DataKeyService(keys, config);
    const live = uuidv7();
    const erased = uuidv7();
    const key = await dataSource.transaction((m) => keys.keyFor(m, workspaceId, live));
    await dataSource.transaction(async (m) => {
      await keys.keyFor(m, workspaceId, erased);
      await keys.destroy(m, workspaceId, erased, new Date());
    });
    for (const credential of ['wrong', '', undefined as unknown as string, config.keyServiceSecret.slice(1)]) {
      const refused = await service.handle({ credential, profileIds: [live] });
      assert.equal(!refused.ok && refused.error.code, 'UNAUTHORIZED');
    }
    const tooMany = await service.handle({ credential: config.keyServiceSecret, profileIds: Array.from({ length: 1001 }, () => uuidv7()) });
    assert.equal(!tooMany.ok && tooMany.error.code, 'VALIDATION_FAILED');
    const unknown = uuidv7();
    const answer = await service.handle({ credential: config.keyServiceSecret, profileIds: [live, erased, unknown] });
    assert.ok(answer.ok);
    assert.deepEqual(answer.value.keys, { [live]: key!.toString('base64url'), [erased]: null, [unknown]: null });
  });
});
