import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing keys per algorithm (docs/architecture.md §7): each row names the JWS algorithm its key
 * signs with; every key written before this column is an Ed25519 key (EdDSA). Each workspace
 * remembers its previous token algorithm and when it changed, so that verifiers accept tokens
 * signed before the change until they expire.
 */
export class SigningKeyAlgorithms1764900000000 implements MigrationInterface {
  name = 'SigningKeyAlgorithms1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE auth.signing_keys ADD COLUMN alg text NOT NULL DEFAULT 'EdDSA'`);
    await q.query(
      'ALTER TABLE auth.workspaces ADD COLUMN previous_token_algorithm text, ADD COLUMN token_algorithm_changed_at timestamptz',
    );
    await q.query('CREATE INDEX signing_keys_alg_created_at ON auth.signing_keys (alg, created_at DESC) WHERE retired_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX auth.signing_keys_alg_created_at');
    await q.query('ALTER TABLE auth.workspaces DROP COLUMN previous_token_algorithm, DROP COLUMN token_algorithm_changed_at');
    await q.query('ALTER TABLE auth.signing_keys DROP COLUMN alg');
  }
}
