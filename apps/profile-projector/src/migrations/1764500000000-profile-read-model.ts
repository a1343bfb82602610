import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from './migration-schema';

/**
 * The profile read model (docs/projector.md): every row is keyed by workspace first.
 * Timestamps come from the events, never from now(), so a rebuild from offset 0 writes
 * the same rows as the live projector.
 */
export class ProfileReadModel1764500000000 implements MigrationInterface {
  name = 'ProfileReadModel1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(q)}"`;
    await q.query(`CREATE TABLE ${s}.profiles (
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('anonymous', 'customer')),
      status text NOT NULL,
      email text,
      email_confirmed boolean NOT NULL DEFAULT false,
      first_name text,
      last_name text,
      display_name text,
      phone text,
      custom_id text,
      sex text,
      birth_date text,
      company text,
      address text,
      city text,
      province text,
      zip_code text,
      country_code text,
      agreements jsonb,
      attributes jsonb,
      merged_into text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      last_sign_in_at timestamptz,
      erased_at timestamptz,
      PRIMARY KEY (workspace_id, profile_id)
    )`);
    // Email is stored as given and compared case-insensitively.
    await q.query(`CREATE INDEX profiles_email ON ${s}.profiles (workspace_id, lower(email)) WHERE email IS NOT NULL`);
    await q.query(`CREATE INDEX profiles_custom_id ON ${s}.profiles (workspace_id, custom_id) WHERE custom_id IS NOT NULL`);
    // One row per device: the profile it resolves to now. `dropped` rows (the profile was
    // erased) are kept so that an older link delivered later cannot bring the link back.
    await q.query(`CREATE TABLE ${s}.device_links (
      workspace_id text NOT NULL,
      uuid text NOT NULL,
      profile_id text NOT NULL,
      linked_at timestamptz NOT NULL,
      link_event_id text NOT NULL,
      dropped boolean NOT NULL DEFAULT false,
      PRIMARY KEY (workspace_id, uuid)
    )`);
    await q.query(`CREATE INDEX device_links_profile ON ${s}.device_links (workspace_id, profile_id)`);
    // One row per anonymous profile folded into a customer (the first customer its device linked to).
    await q.query(`CREATE TABLE ${s}.profile_merges (
      workspace_id text NOT NULL,
      merged_profile_id text NOT NULL,
      into_profile_id text NOT NULL,
      merged_at timestamptz NOT NULL,
      merge_event_id text NOT NULL,
      dropped boolean NOT NULL DEFAULT false,
      PRIMARY KEY (workspace_id, merged_profile_id)
    )`);
    await q.query(`CREATE INDEX profile_merges_into ON ${s}.profile_merges (workspace_id, into_profile_id)`);
    // The last applied sequence of every aggregate: skips stale events and answers
    // read-your-writes waits.
    await q.query(`CREATE TABLE ${s}.stream_positions (
      workspace_id text NOT NULL,
      aggregate_id text NOT NULL,
      sequence bigint NOT NULL,
      event_id text NOT NULL,
      PRIMARY KEY (workspace_id, aggregate_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(q)}"`;
    for (const table of ['stream_positions', 'profile_merges', 'device_links', 'profiles']) await q.query(`DROP TABLE ${s}.${table}`);
  }
}
