import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { ownEventsMigrations } from './1764700000000-own-events';
import { OwnEventsPartitions } from './own-events.partitions';
import { partitionName } from './partition-days';

const DAY = 86_400_000;
const SCHEMA = 'own_events';

/** Retention by dropping day partitions, on a real PostgreSQL, with the clock passed in. */
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
      await partitions.ensureDay(sql, occurredAt);
      await sql.query(
        `INSERT INTO ${SCHEMA}.events (workspace_id, device_uuid, event_id, occurred_at, profile_id, envelope_id, event_type, received_at)
         VALUES ('ws', 'dev', $1, $2, 'p', $3, 'view', $2)`,
        [randomUUID(), new Date(occurredAt), randomUUID()],
      );
    });
  const rowsAt = async (occurredAt: number) =>
    Number(
      (
        (await dataSource.query(`SELECT count(*) AS n FROM ${SCHEMA}.events WHERE occurred_at = $1`, [new Date(occurredAt)])) as {
          n: string;
        }[]
      )[0]!.n,
    );
  const exists = async (day: number) => (await partitions.existingDays(dataSource)).includes(day);

  it('drops a partition older than the retention with its rows, keeps the newer ones, creates the days ahead', async () => {
    const start = Date.parse('2026-06-01T12:00:00.000Z');
    const first = await partitions.maintain(transaction, start);
    assert.ok(first.created.length >= 9, 'today, the days behind and the days ahead');
    assert.deepEqual(first.dropped, []);

    const old = start - 2 * DAY; // day 2026-05-30, created behind today
    const recent = start; // today
    await insertAt(old);
    await insertAt(old + 3600_000);
    await insertAt(recent);
    // An event of a day no maintenance created (a replay of older tracking events).
    const older = start - 40 * DAY;
    await insertAt(older);
    assert.ok(await exists(Date.parse('2026-04-22T00:00:00Z')), 'created on demand');

    // 89 days later the horizon (now - 90 days) is 2026-05-31T12:00: 05-30 ended before it,
    // 05-31 straddles it and stays.
    const later = start + 89 * DAY;
    const run = await partitions.maintain(transaction, later);
    assert.deepEqual(
      run.dropped.map((d) => partitionName(d)),
      ['events_20260422', 'events_20260530'],
      'every day that ended at or before the horizon, and no other',
    );
    assert.equal(await rowsAt(old), 0);
    assert.equal(await rowsAt(old + 3600_000), 0);
    assert.equal(await rowsAt(older), 0);
    assert.equal(await rowsAt(recent), 1, 'a newer partition is kept, with its row');
    assert.ok(await exists(Date.parse('2026-05-31T00:00:00Z')), 'the day straddling the horizon is kept');
    assert.ok(await exists(Date.parse('2026-06-01T00:00:00Z')));
    assert.ok(await exists(Date.parse('2026-09-05T00:00:00Z')), 'the days ahead of the new today');

    // The partition holding `recent` goes once its whole day is past the retention.
    const dropped = await partitions.maintain(transaction, Date.parse('2026-09-01T00:00:00.000Z'));
    assert.ok(dropped.dropped.map((d) => partitionName(d)).includes('events_20260601'));
    assert.equal(await rowsAt(recent), 0);
    const count = (await dataSource.query(`SELECT count(*) AS n FROM ${SCHEMA}.events`)) as { n: string }[];
    assert.equal(Number(count[0]!.n), 0);
  });
});
