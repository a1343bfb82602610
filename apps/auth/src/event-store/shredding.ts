import type { EntityManager } from 'typeorm';
import { SEALED_STORED_VERSION } from './sealed-events';

/**
 * Destroys the profile's data key in the caller's transaction (the one recording
 * ProfileErased): every sealed value of the profile — auth.events, auth.outbox, and
 * identity.events from offset 0 — stops opening when it commits. A tombstone row stays, so no
 * new key is ever made for the profile (docs/architecture.md "Crypto-shredding").
 */
export async function destroyDataKey(manager: EntityManager, workspaceId: string, profileId: string, now: Date): Promise<void> {
  await manager.query(
    `INSERT INTO auth.data_keys (profile_id, workspace_id, master_key_id, wrapped_key, destroyed_at) VALUES ($1, $2, NULL, NULL, $3)
     ON CONFLICT (profile_id) DO UPDATE SET master_key_id = NULL, wrapped_key = NULL,
       destroyed_at = COALESCE(auth.data_keys.destroyed_at, EXCLUDED.destroyed_at)`,
    [profileId, workspaceId, now],
  );
}

/** The stored event types that carried personal data (or a password hash) in clear before sealing. */
const PERSONAL_EVENT_TYPES = [
  'UserRegistered',
  'ProfileImported',
  'AccountUpdated',
  'PasswordChanged',
  'PasswordRehashed',
  'PasswordResetCompleted',
];

/**
 * The erasure of a profile's personal data in auth's tables: its data key is destroyed, and
 * the rows stored before sealing (schema_version 1, in clear) are redacted to
 * `{ profileId, redacted: true }`. Published outbox rows of the profile are blanked too.
 */
export async function shredPersonalData(manager: EntityManager, workspaceId: string, profileId: string, now: Date): Promise<void> {
  await destroyDataKey(manager, workspaceId, profileId, now);
  await manager.query(
    `UPDATE auth.events SET data = jsonb_build_object('profileId', data->'profileId', 'redacted', true)
      WHERE stream_id = $1 AND schema_version < $2 AND type = ANY($3)`,
    [profileId, SEALED_STORED_VERSION, PERSONAL_EVENT_TYPES],
  );
  await manager.query(`UPDATE auth.outbox SET value = '{}' WHERE published_at IS NOT NULL AND message_key = $1`, [profileId]);
}
