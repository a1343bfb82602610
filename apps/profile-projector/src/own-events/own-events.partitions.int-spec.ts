import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { ownEventsMigrations } from './1764700000000-own-events';
import { OwnEventsPartitions } from './own-events.partitions';
import { partitionName } from './partition-weeks';

const DAY = 86_400_000;
const SCHEMA = 'own_events';

/** Retention by dropping week partitions, on a real PostgreSQL, with the clock passed in. */
describe('own events partition retention', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const partitions = new OwnEventsPartitions(SCHEMA, 90);
  const transaction = <T>(work: (sql: { query(sql: string, params?: unknown[]): Promise<unknown> }) => Promise<T>) =>
    dataSource.transaction((m) => work(m));

  before(async () => {
    db = await createTestDatabase('own_events');
    dataSource = await openDataSource({ url: db.url, schema: SCHEMA, migrations: ownEventsMigrations });
  });

  after(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const insertAt = (occurredAt: number) =>
    transaction(async (sql) => {
      await partitions.ensurePartition(sql, occurredAt);
      await sql.query(
        `INSERT INTO ${SCHEMA}.events (workspace_id, device_uuid, event_id, occurred_at, profile_id, envelope_id, event_type, received_at)
         VALUES ('ws', 'dev', $1, $2, 'p', $3, 'view', $2)`,
        [randomUUID(), new Date(occurredAt), randomUUID()],
      );
    });
  const rowsAt = async (occurredAt: number) =>
    Number(
      (
        await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${SCHEMA}.events WHERE occurred_at = $1`, [new Date(occurredAt)])
      )[0]!.n,
    );
  const exists = async (week: number) => (await partitions.existingWeeks(dataSource)).includes(week);

  it('drops a partition older than the retention with its rows, keeps the newer ones, creates the weeks ahead', async () => {
    const start = Date.parse('2026-06-01T12:00:00.000Z'); // a Monday
    const first = await partitions.maintain(transaction, start);
    assert.deepEqual(first.created.map(partitionName), ['events_20260525', 'events_20260601', 'events_20260608', 'events_20260615']);
    assert.deepEqual(first.dropped, []);

    const old = start - 2 * DAY; // Saturday 05-30: the week of 05-25
    const recent = start; // the week of 06-01
    await insertAt(old);
    await insertAt(old + 3600_000);
    await insertAt(recent);
    // An event of a week no maintenance created (a replay of older tracking events).
    const older = start - 40 * DAY;
    await insertAt(older);
    assert.ok(await exists(Date.parse('2026-04-20T00:00:00Z')), 'created on demand');

    // 95 days later the horizon (now - 90 days) is 06-06T12:00: the weeks of 04-20 and 05-25
    // ended before it, the week of 06-01 (to 06-08) straddles it and stays.
    const later = start + 95 * DAY;
    const run = await partitions.maintain(transaction, later);
    assert.deepEqual(run.dropped.map(partitionName), ['events_20260420', 'events_20260525'], 'those weeks and no other');
    assert.equal(await rowsAt(old), 0);
    assert.equal(await rowsAt(old + 3600_000), 0);
    assert.equal(await rowsAt(older), 0);
    assert.equal(await rowsAt(recent), 1, 'a newer partition is kept, with its row');
    assert.ok(await exists(Date.parse('2026-06-01T00:00:00Z')), 'the week straddling the horizon is kept');
    assert.ok(await exists(Date.parse('2026-09-14T00:00:00Z')), 'the weeks ahead of the new now');

    // The week holding `recent` goes once it is wholly past the retention.
    const next = await partitions.maintain(transaction, start + 97 * DAY);
    assert.deepEqual(next.dropped.map(partitionName), ['events_20260601']);
    assert.equal(await rowsAt(recent), 0);
    const count = await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${SCHEMA}.events`);
    assert.equal(Number(count[0]!.n), 0);
  });
});
