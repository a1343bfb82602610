import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `auth.external_identities`: which profile signs in with an identity (issuer, subject) of an
 * external OpenID Connect provider, unique per workspace, written in the transaction that
 * records ExternalIdentityLinked (as `auth.emails` is for emails).
 */
export class ExternalIdentities1764800000500 implements MigrationInterface {
  name = 'ExternalIdentities1764800000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.external_identities (
      workspace_id text NOT NULL,
      issuer text NOT NULL,
      subject text NOT NULL,
      profile_id text NOT NULL,
      PRIMARY KEY (workspace_id, issuer, subject)
    )`);
    await q.query('CREATE INDEX external_identities_profile ON auth.external_identities (workspace_id, profile_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth.external_identities');
  }
}
