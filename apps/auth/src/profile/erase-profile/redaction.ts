import type { EntityManager } from 'typeorm';

/** The stored event types that carry personal data (or a password hash). */
const PERSONAL_EVENT_TYPES = [
  'UserRegistered',
  'ProfileImported',
  'AccountUpdated',
  'PasswordChanged',
  'PasswordRehashed',
  'PasswordResetCompleted',
];

/**
 * Erasure in auth's own tables: the stored events of the profile keep `{ profileId, redacted:
 * true }` instead of their data (the fold reads them as `Redacted`), and published outbox rows
 * of the profile are blanked. Kafka's copy is out of reach here (docs/architecture.md, "Erasure").
 */
export async function redactPersonalData(manager: EntityManager, profileId: string): Promise<void> {
  await manager.query(
    `UPDATE auth.events SET data = jsonb_build_object('profileId', data->'profileId', 'redacted', true)
      WHERE stream_id = $1 AND type = ANY($2)`,
    [profileId, PERSONAL_EVENT_TYPES],
  );
  await manager.query(`UPDATE auth.outbox SET value = '{}' WHERE published_at IS NOT NULL AND message_key = $1`, [profileId]);
}
