import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@idstream/persistence';

/**
 * The write side's event store: one append-only table keyed by (stream, sequence), so a
 * concurrent writer of the same stream hits the key and retries; and the outbox written in
 * the same transaction.
 */
export class EventStore1764400000000 implements MigrationInterface {
  name = 'EventStore1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.events (
      stream_id text NOT NULL,
      sequence int NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      workspace_id text NOT NULL,
      type text NOT NULL,
      schema_version int NOT NULL,
      data jsonb NOT NULL,
      occurred_at timestamptz NOT NULL,
      correlation_id text NOT NULL,
      causation_id text,
      position bigserial NOT NULL UNIQUE,
      PRIMARY KEY (stream_id, sequence)
    )`);
    for (const sql of outboxTableSql('auth')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth.outbox');
    await q.query('DROP TABLE auth.events');
  }
}
