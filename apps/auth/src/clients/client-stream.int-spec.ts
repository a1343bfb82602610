import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { GroupCommit } from '../concurrency/group-commit';
import { authMigrations } from '../migrations/auth.migrations';
import { appendToClientStream, createClientStreams, type NewDevice } from './client-stream';

/**
 * The group commit of first visits against the real PostgreSQL: many devices in one
 * transaction, each recorded once (AnonymousClientCreated on its stream and one outbox row),
 * repeats and retries recording nothing, and the relay woken once per commit.
 */
describe('client streams: first visits in a group commit (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const workspaceId = 'ws-clients';

  before(async () => {
    db = await createTestDatabase('auth_clients');
    dataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations });
  });

  after(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const device = (uuid: string = randomUUID()): NewDevice => ({ workspaceId, uuid, correlationId: `c-${uuid}`, now: new Date() });
  const createdEvents = async (uuids: string[]) =>
    dataSource.query<{ stream_id: string; sequence: number; message_key: string }[]>(
      `SELECT e.stream_id, e.sequence, o.message_key FROM auth.events e JOIN auth.outbox o ON o.event_id = e.event_id
        WHERE e.type = 'AnonymousClientCreated' AND o.message_key = ANY($1::text[])`,
      [uuids],
    );

  it('records 300 concurrent first visits once each, in few transactions, and a retry of every one records nothing', async () => {
    let commits = 0;
    const group = new GroupCommit(
      (devices: NewDevice[]) => {
        commits += 1;
        return dataSource.transaction((m) => createClientStreams(m, devices));
      },
      { maxBatch: 64 },
    );
    const devices = Array.from({ length: 300 }, () => device());
    const created = await Promise.all(devices.map((d) => group.submit(d)));
    assert.ok(created.every(Boolean), 'every device was new');
    assert.ok(commits < 300 / 4, `300 devices took ${commits} commits`);
    assert.ok(group.stats.largestBatch <= 64);
    const uuids = devices.map((d) => d.uuid);
    const rows = await createdEvents(uuids);
    assert.equal(rows.length, 300);
    assert.equal(new Set(rows.map((r) => r.message_key)).size, 300, 'exactly one event per device');
    assert.ok(rows.every((r) => r.sequence === 1 && r.stream_id === `client:${workspaceId}:${r.message_key}`));

    // A retry (a lost answer, a client that calls again), alone and in a batch: nothing new.
    const again = await Promise.all(devices.map((d) => group.submit({ ...d, correlationId: 'retry' })));
    assert.ok(again.every((c) => c === false));
    assert.equal((await createdEvents(uuids)).length, 300);
  });

  it('a device repeated in one batch is created once, for its first caller', async () => {
    const d = device();
    const fresh = device();
    const created = await dataSource.transaction((m) => createClientStreams(m, [d, { ...d, correlationId: 'twin' }, fresh]));
    assert.deepEqual(created, [true, false, true]);
    assert.equal((await createdEvents([d.uuid])).length, 1);
  });

  it('continues a stream that already holds a failed sign-in from the device (sequence 2)', async () => {
    const d = device();
    await dataSource.transaction((m) =>
      appendToClientStream(
        m,
        d.uuid,
        { type: 'SignInFailed', data: { profileId: null, reason: 'invalid-credentials' } },
        { workspaceId, correlationId: 'c', now: new Date() },
      ),
    );
    assert.deepEqual(await dataSource.transaction((m) => createClientStreams(m, [d, device()])), [true, true]);
    const [row] = await createdEvents([d.uuid]);
    assert.equal(row?.sequence, 2);
  });

  it('a batch that fails leaves nothing behind: the outbox, the events and auth.clients roll back together', async () => {
    const good = device();
    await assert.rejects(dataSource.transaction((m) => createClientStreams(m, [good, device('not-a-uuid')])));
    assert.equal((await createdEvents([good.uuid])).length, 0);
    const clients: unknown[] = await dataSource.query('SELECT 1 FROM auth.clients WHERE uuid = $1', [good.uuid]);
    assert.equal(clients.length, 0);
    assert.deepEqual(await dataSource.transaction((m) => createClientStreams(m, [good])), [true]);
  });
});
