import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { uuidv7, type IdentityEvent } from '@idstream/contracts';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { projectorMigrations } from '../migrations/projector.migrations';
import { ProfileProjection } from '../projection/profile.projection';
import { IdentityEventsBuilder } from '../test-support/identity-events.builder';
import { ownEventsMigrations } from './1764700000000-own-events';
import { OwnEventsIdentity } from './own-events.identity';
import { OwnEventsPartitions } from './own-events.partitions';
import { OwnEventsQueries } from './own-events.queries';
import { OwnEventsStore } from './own-events.store';
import type { OwnEventRow } from './tracking-event.parse';

/**
 * The own-events store against a real PostgreSQL, next to a real profile read model: who a
 * device's anonymous history belongs to, what a later recognition moves, what erasure removes
 * (also from events read after it), and the store's own check of closed sessions.
 */
describe('own events store', () => {
  let db: { url: string; drop: () => Promise<void> };
  let profiles: DataSource;
  let own: DataSource;
  const projection = new ProfileProjection('profiles');
  const store = new OwnEventsStore('own_events', 'profiles');
  const identity = new OwnEventsIdentity(store);
  const partitions = new OwnEventsPartitions('own_events', 90);
  // Identity events from 08:00 on, one second apart; tracking events before that, so each erasure comes after them.
  const events = new IdentityEventsBuilder(uuidv7(), '2025-03-01T08:00:00.000Z');
  const ws = events.workspaceId;
  const now = Date.parse('2025-03-01T12:00:00.000Z');
  let queries: OwnEventsQueries;
  let reads: Pool;

  before(async () => {
    db = await createTestDatabase('own_events_store');
    profiles = await openDataSource({ url: db.url, schema: 'profiles', migrations: projectorMigrations });
    own = await openDataSource({ url: db.url, schema: 'own_events', migrations: ownEventsMigrations });
    reads = new Pool({ connectionString: db.url, max: 2, options: '-c plan_cache_mode=force_generic_plan' });
    queries = new OwnEventsQueries(reads, store, 90, () => now);
  });

  after(async () => {
    await reads?.end();
    await own?.destroy();
    await profiles?.destroy();
    await db?.drop();
  });

  /** What the live projector's consumer does with one identity event. */
  const project = (event: IdentityEvent) =>
    profiles.transaction(async (m) => {
      await projection.apply(m, event);
      await identity.apply(m, event);
    });
  const track = (deviceUuid: string, profileId: string | null, at: string): Promise<string> =>
    own.transaction(async (m) => {
      const row: OwnEventRow = {
        envelopeId: uuidv7(),
        workspaceId: ws,
        deviceUuid,
        eventId: randomUUID(),
        profileId,
        eventType: 'view',
        label: null,
        params: null,
        occurredAt: Date.parse(at),
        receivedAt: Date.parse(at),
      };
      await partitions.ensurePartition(m, row.occurredAt);
      await store.insert(m, row);
      return row.eventId;
    });
  const ids = async (profileId: string, sessionId = randomUUID()) => {
    const reply = await queries.list({ workspaceId: ws, profileId, sessionId, from: '2025-03-01T00:00:00Z', limit: 500 });
    assert.ok(reply.ok, JSON.stringify(reply));
    return reply.ok ? reply.value.items.map((i) => i.id) : [];
  };

  it('joins a device`s anonymous history to its first customer; a recognition to another moves only later events', async () => {
    const device = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    await project(events.anonymous(device));
    const anon = await track(device, null, '2025-03-01T07:10:00.000Z');
    assert.deepEqual(await ids(first), [], 'not linked yet');
    await project(events.registered(first, `${first}@example.test`, { deviceUuid: device }));
    assert.deepEqual(await ids(first), [anon], 'the anonymous history joins at the link');
    const signedIn = await track(device, first, '2025-03-01T07:20:00.000Z');
    await project(events.imported(second, `${second}@example.test`));
    await project(events.recognized(second, device, first));
    const theirs = await track(device, second, '2025-03-01T07:30:00.000Z');
    assert.deepEqual(await ids(first), [signedIn, anon], 'the first customer keeps its history');
    assert.deepEqual(await ids(second), [theirs], 'the other gets only what came after');
  });

  it('erases a profile`s rows and its anonymous history, and stores none read after the erasure', async () => {
    const device = randomUUID();
    const profile = randomUUID();
    const neighbour = randomUUID();
    await project(events.anonymous(device));
    const anon = await track(device, null, '2025-03-01T07:40:00.000Z');
    await project(events.registered(profile, `${profile}@example.test`, { deviceUuid: device }));
    await track(device, profile, '2025-03-01T07:41:00.000Z');
    const kept = await track(randomUUID(), neighbour, '2025-03-01T07:41:00.000Z');
    assert.equal((await ids(profile)).length, 2);
    assert.ok((await ids(profile)).includes(anon));

    const erasure = events.erased(profile);
    await project(erasure);
    assert.deepEqual(await ids(profile), []);
    const left = await own.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM own_events.events WHERE workspace_id = $1 AND (profile_id = $2 OR device_uuid = $3)`,
      [ws, profile, device],
    );
    assert.equal(Number(left[0]!.n), 0, 'the rows are gone, not only hidden');
    // tracking.events lagging behind identity.events: events received before the erasure, read after it.
    const before = new Date(Date.parse(erasure.data.erasedAt) - 1000).toISOString();
    await track(device, profile, before);
    await track(device, null, before);
    const late = await own.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM own_events.events WHERE workspace_id = $1 AND device_uuid = $2`,
      [ws, device],
    );
    assert.equal(Number(late[0]!.n), 0, 'nothing of the erased profile comes back');
    assert.deepEqual(await ids(neighbour), [kept], 'other profiles keep theirs');
  });

  it('refuses a session it has seen closed, until every token of it has expired', async () => {
    const profile = randomUUID();
    const sessionId = randomUUID();
    await project(events.registered(profile, `${profile}@example.test`));
    assert.ok((await queries.list({ workspaceId: ws, profileId: profile, sessionId, from: '2025-03-01T00:00:00Z' })).ok);
    const closedAt = '2025-03-01T09:00:00.000Z';
    await project(
      events.event('SessionClosed', profile, {
        profileId: profile,
        sessionId,
        reason: 'sign-out',
        closedAt,
        forgetAfter: '2025-03-02T09:00:00.000Z',
      }),
    );
    const refused = await queries.list({ workspaceId: ws, profileId: profile, sessionId, from: '2025-03-01T00:00:00Z' });
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.equal(refused.error.code, 'TOKEN_REVOKED');
    assert.equal(await store.pruneClosedSessions(own, Date.parse('2025-03-02T08:59:59.000Z')), 0);
    assert.equal(await store.pruneClosedSessions(own, Date.parse('2025-03-02T09:00:01.000Z')), 1);
  });

  it('answers VALIDATION_FAILED for a payload that is not a query', async () => {
    for (const input of [
      null,
      {},
      { workspaceId: ws, profileId: 'p', sessionId: 's', from: 'soon' },
      { workspaceId: ws, profileId: 'p', sessionId: 's', from: '2025-03-01T00:00:00Z', cursor: 'eA' },
    ]) {
      const reply = await queries.list(input);
      assert.equal(reply.ok, false, JSON.stringify(input));
      if (!reply.ok) assert.equal(reply.error.code, 'VALIDATION_FAILED');
    }
  });
});
