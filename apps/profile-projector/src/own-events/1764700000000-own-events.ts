import type { MigrationInterface, QueryRunner } from 'typeorm';
import { consumerStoreTableSql } from '@idstream/persistence';
import { migrationSchema } from '../migrations/migration-schema';

/**
 * A customer's own tracking events, in their own schema (`own_events`): the parent of the week
 * partitions (own-events.partitions.ts creates and drops those), the closed sessions, and the
 * tracking consumer's checkpoints and processed ids.
 */
export class OwnEvents1764700000000 implements MigrationInterface {
  name = 'OwnEvents1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = migrationSchema(q);
    for (const sql of consumerStoreTableSql(schema)) await q.query(sql);
    const s = `"${schema}"`;
    // One row per accepted event. `profile_id` is the profile the ingester resolved at receipt
    // (null: the device was anonymous then); the key repeats the ingester's de-duplication key
    // (with the partition column, which every unique key of a partitioned table must hold).
    await q.query(`CREATE TABLE ${s}.events (
      workspace_id text NOT NULL,
      device_uuid text NOT NULL,
      event_id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      profile_id text,
      envelope_id text NOT NULL,
      event_type text NOT NULL,
      label text,
      params jsonb,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (workspace_id, device_uuid, event_id, occurred_at)
    ) PARTITION BY RANGE (occurred_at)`);
    // Newest first per customer, and per anonymous device (its history joins a customer at query time).
    await q.query(
      `CREATE INDEX events_by_profile ON ${s}.events (workspace_id, profile_id, occurred_at DESC, envelope_id DESC) WHERE profile_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX events_by_anonymous_device ON ${s}.events (workspace_id, device_uuid, occurred_at DESC, envelope_id DESC) WHERE profile_id IS NULL`,
    );
    // Sessions closed (SessionClosed), until every token of theirs has expired anyway.
    await q.query(`CREATE TABLE ${s}.closed_sessions (
      workspace_id text NOT NULL,
      session_id text NOT NULL,
      closed_at timestamptz NOT NULL,
      forget_after timestamptz NOT NULL,
      PRIMARY KEY (workspace_id, session_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(q)}"`;
    for (const table of ['closed_sessions', 'events', 'processed_events', 'consumer_checkpoints'])
      await q.query(`DROP TABLE ${s}.${table}`);
  }
}

/** Every migration of the own events schema, in order. */
export const ownEventsMigrations = [OwnEvents1764700000000];
