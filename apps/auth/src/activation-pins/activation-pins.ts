import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { constantTimeEqual } from '@idstream/crypto';

/** How long a PIN is valid. */
export const PIN_TTL_SECONDS = 900;

/** Wrong tries after which a PIN is spent, even for the right PIN. */
export const PIN_MAX_TRIES = 5;

const hashPin = (salt: string, pin: string): string => createHash('sha256').update(`${salt}:${pin}`).digest('hex');

export type PinCheck = 'valid' | 'invalid';

/**
 * Activation PINs: 6 digits, uniform (`randomInt`), stored as SHA-256 of a per-PIN random salt
 * and the PIN. A million PINs are quickly hashed through, so the hash only keeps the PIN out of
 * a database dump for a casual reader: what protects a PIN is its tries (5 wrong and it is
 * spent), its 15 minutes, its device binding and the rate limit of the route. One live PIN per
 * profile: a new one replaces the old.
 */
export const ActivationPins = {
  async issue(manager: EntityManager, p: { workspaceId: string; profileId: string; deviceUuid: string; expiresAt: Date }): Promise<string> {
    const pin = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const salt = randomBytes(16).toString('hex');
    await manager.query(
      `INSERT INTO auth.activation_pins (workspace_id, profile_id, device_uuid, salt, pin_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, profile_id) DO UPDATE
         SET device_uuid = $3, salt = $4, pin_hash = $5, expires_at = $6, failed_tries = 0, spent_at = NULL`,
      [p.workspaceId, p.profileId, p.deviceUuid, salt, hashPin(salt, pin), p.expiresAt],
    );
    return pin;
  },

  /**
   * Checks a PIN under a row lock and spends it when right; a wrong try counts (and the
   * fifth spends it). Every kind of wrong (none, spent, expired, other device, wrong digits)
   * answers `invalid`. The hash is always computed and compared in constant time.
   */
  async check(
    manager: EntityManager,
    p: { workspaceId: string; profileId: string; deviceUuid: string; pin: string; now: Date },
  ): Promise<PinCheck> {
    const rows: { device_uuid: string; salt: string; pin_hash: string; expires_at: Date; failed_tries: number; spent_at: Date | null }[] =
      await manager.query(
        `SELECT device_uuid, salt, pin_hash, expires_at, failed_tries, spent_at FROM auth.activation_pins
          WHERE workspace_id = $1 AND profile_id = $2 FOR UPDATE`,
        [p.workspaceId, p.profileId],
      );
    const row = rows[0];
    const salt = row?.salt ?? randomBytes(16).toString('hex');
    const digitsMatch = constantTimeEqual(hashPin(salt, p.pin), row?.pin_hash ?? '0'.repeat(64));
    if (!row || row.spent_at !== null || row.expires_at <= p.now || row.failed_tries >= PIN_MAX_TRIES) return 'invalid';
    const deviceMatches = constantTimeEqual(row.device_uuid, p.deviceUuid);
    if (digitsMatch && deviceMatches) {
      await manager.query('UPDATE auth.activation_pins SET spent_at = $3 WHERE workspace_id = $1 AND profile_id = $2', [
        p.workspaceId,
        p.profileId,
        p.now,
      ]);
      return 'valid';
    }
    // A try from another device counts too: whoever holds the mail's PIN but not the device gets nowhere.
    await manager.query(
      `UPDATE auth.activation_pins SET failed_tries = failed_tries + 1,
         spent_at = CASE WHEN failed_tries + 1 >= $4 THEN $3 ELSE spent_at END
        WHERE workspace_id = $1 AND profile_id = $2`,
      [p.workspaceId, p.profileId, p.now, PIN_MAX_TRIES],
    );
    return 'invalid';
  },

  /** An erased profile keeps no PIN. */
  async deleteAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('DELETE FROM auth.activation_pins WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
