import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Activation PINs (registration mode `email-pin-activation`): one live PIN per profile, stored
 * as SHA-256 of (salt, PIN) with its own random salt, bound to a device, counting wrong tries.
 */
export class ActivationPins1764900000000 implements MigrationInterface {
  name = 'ActivationPins1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.activation_pins (
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      device_uuid text NOT NULL,
      salt text NOT NULL,
      pin_hash text NOT NULL,
      expires_at timestamptz NOT NULL,
      failed_tries int NOT NULL DEFAULT 0,
      spent_at timestamptz,
      PRIMARY KEY (workspace_id, profile_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth.activation_pins');
  }
}
