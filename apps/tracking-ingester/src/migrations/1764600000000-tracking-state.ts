import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ingester's state: the de-duplication store of accepted event ids (pruned by age), and the
 * views it keeps from identity.events — device → profile links with their history, closed
 * sessions, public signing keys. docs/tracking.md states the bounds.
 */
export class TrackingState1764600000000 implements MigrationInterface {
  name = 'TrackingState1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per accepted (workspace, device, event id), with the input position that first
    // accepted it: a redelivery of that same position is the first occurrence again (its
    // Kafka transaction never committed), any other position is a duplicate.
    await q.query(`CREATE TABLE tracking.seen_events (
      workspace_id text NOT NULL,
      device_uuid text NOT NULL,
      event_id text NOT NULL,
      source_group text NOT NULL,
      source_partition int NOT NULL,
      source_offset bigint NOT NULL,
      source_index int NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (workspace_id, device_uuid, event_id)
    )`);
    await q.query('CREATE INDEX seen_events_age ON tracking.seen_events (source_partition, received_at)');

    // Link history: the profile a device belongs to from linked_at on (null: unlinked by an erasure).
    await q.query(`CREATE TABLE tracking.device_links (
      workspace_id text NOT NULL,
      device_uuid text NOT NULL,
      linked_at timestamptz NOT NULL,
      profile_id text,
      event_id text NOT NULL,
      PRIMARY KEY (workspace_id, device_uuid, event_id)
    )`);
    await q.query('CREATE INDEX device_links_profile ON tracking.device_links (workspace_id, profile_id)');

    await q.query(`CREATE TABLE tracking.closed_sessions (
      session_id text PRIMARY KEY,
      closed_at timestamptz NOT NULL,
      forget_after timestamptz NOT NULL
    )`);
    await q.query('CREATE INDEX closed_sessions_forget ON tracking.closed_sessions (forget_after)');

    await q.query(`CREATE TABLE tracking.signing_keys (
      kid text PRIMARY KEY,
      public_jwk jsonb NOT NULL,
      valid_until timestamptz,
      added_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tracking.signing_keys');
    await q.query('DROP TABLE tracking.closed_sessions');
    await q.query('DROP TABLE tracking.device_links');
    await q.query('DROP TABLE tracking.seen_events');
  }
}
