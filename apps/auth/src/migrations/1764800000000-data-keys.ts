import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding: one data key per profile, wrapped under a master key
 * (IDSTREAM_MASTER_KEYS, by id). Erasure sets `wrapped_key` to NULL in the transaction that
 * records ProfileErased: the row stays as proof and so that no new key is ever made for an
 * erased profile. Events stored from now on have `schema_version` 2: their personal fields
 * are sealed with this key (event-store/sealed-events.ts); rows of version 1 are in clear.
 */
export class DataKeys1764800000000 implements MigrationInterface {
  name = 'DataKeys1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.data_keys (
      profile_id text PRIMARY KEY,
      workspace_id text NOT NULL,
      master_key_id text,
      wrapped_key text,
      created_at timestamptz NOT NULL DEFAULT now(),
      destroyed_at timestamptz,
      CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX data_keys_master_key ON auth.data_keys (master_key_id) WHERE wrapped_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth.data_keys');
  }
}
