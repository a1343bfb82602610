import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity state of `auth`. The events table is the record; these tables are written in the
 * same transaction as the events they follow from:
 * - profiles: each profile's decision state (a snapshot at `version` = its stream's last sequence)
 * - emails, custom_ids: uniqueness side tables (race-free: a concurrent writer hits the key)
 * - clients: devices seen per workspace and the customer each one is linked to
 * - one_time_tokens: confirmation, activation and reset tokens, stored as SHA-256 only
 * - rate_limit_hits: sign-in failures and mail requests, counted over a sliding window
 * - mail_outbox: mail to send, with retries (the body holds the token until it is sent)
 * - workspaces, signing_keys: configuration and the token signing keys
 */
export class Identity1764400001000 implements MigrationInterface {
  name = 'Identity1764400001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.workspaces (
      id text PRIMARY KEY,
      client_api_key text NOT NULL UNIQUE,
      server_key_hash text NOT NULL UNIQUE,
      settings jsonb NOT NULL,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX workspaces_one_default ON auth.workspaces (is_default) WHERE is_default`);
    await q.query(`CREATE TABLE auth.signing_keys (
      kid text PRIMARY KEY,
      private_key_pem text NOT NULL,
      public_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      retired_at timestamptz,
      verify_until timestamptz
    )`);
    await q.query(`CREATE TABLE auth.profiles (
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      version int NOT NULL,
      state jsonb NOT NULL,
      PRIMARY KEY (workspace_id, profile_id)
    )`);
    await q.query(`CREATE TABLE auth.emails (
      workspace_id text NOT NULL,
      email_lower text NOT NULL,
      profile_id text NOT NULL,
      PRIMARY KEY (workspace_id, email_lower)
    )`);
    await q.query(`CREATE TABLE auth.custom_ids (
      workspace_id text NOT NULL,
      custom_id text NOT NULL,
      profile_id text NOT NULL,
      PRIMARY KEY (workspace_id, custom_id)
    )`);
    await q.query(`CREATE TABLE auth.clients (
      workspace_id text NOT NULL,
      uuid uuid NOT NULL,
      profile_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, uuid)
    )`);
    await q.query(`CREATE TABLE auth.one_time_tokens (
      token_hash text PRIMARY KEY,
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      purpose text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`);
    await q.query(`CREATE TABLE auth.rate_limit_hits (
      bucket text NOT NULL,
      at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX rate_limit_hits_bucket ON auth.rate_limit_hits (bucket, at)`);
    await q.query(`CREATE TABLE auth.mail_outbox (
      id bigserial PRIMARY KEY,
      workspace_id text NOT NULL,
      recipient text NOT NULL,
      subject text NOT NULL,
      body text,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      failed_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX mail_outbox_due ON auth.mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'mail_outbox',
      'rate_limit_hits',
      'one_time_tokens',
      'clients',
      'custom_ids',
      'emails',
      'profiles',
      'signing_keys',
      'workspaces',
    ]) {
      await q.query(`DROP TABLE auth.${table}`);
    }
  }
}
