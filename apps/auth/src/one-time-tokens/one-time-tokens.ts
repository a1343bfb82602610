import type { EntityManager } from 'typeorm';
import { randomToken, sha256Hex } from '@idstream/crypto';

export type TokenPurpose = 'confirmation' | 'activation' | 'password-reset' | 'email-change';

/**
 * Single-use tokens for mail links: 32 random bytes, only their SHA-256 stored, expiring.
 * The raw token exists only in the mail; it never goes on a topic or into a log.
 */
export const OneTimeTokens = {
  async issue(
    manager: EntityManager,
    t: { workspaceId: string; profileId: string; purpose: TokenPurpose; expiresAt: Date },
  ): Promise<string> {
    const token = randomToken(32);
    await manager.query(
      'INSERT INTO auth.one_time_tokens (token_hash, workspace_id, profile_id, purpose, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [sha256Hex(token), t.workspaceId, t.profileId, t.purpose, t.expiresAt],
    );
    return token;
  },

  /** Finds a usable token without using it (to learn its workspace before deciding). */
  async peek(
    manager: EntityManager,
    token: string,
    purposes: TokenPurpose[],
    now: Date,
  ): Promise<{ workspaceId: string; profileId: string } | null> {
    const rows: { workspace_id: string; profile_id: string }[] = await manager.query(
      `SELECT workspace_id, profile_id FROM auth.one_time_tokens
        WHERE token_hash = $1 AND purpose = ANY($2) AND used_at IS NULL AND expires_at > $3`,
      [sha256Hex(token), purposes, now],
    );
    return rows[0] ? { workspaceId: rows[0].workspace_id, profileId: rows[0].profile_id } : null;
  },

  /** Marks the token used, once: a second use (even a concurrent one) finds nothing. */
  async use(
    manager: EntityManager,
    token: string,
    purposes: TokenPurpose[],
    now: Date,
  ): Promise<{ workspaceId: string; profileId: string } | null> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [{ workspace_id: string; profile_id: string }[], number] = await manager.query(
      `UPDATE auth.one_time_tokens SET used_at = $3
        WHERE token_hash = $1 AND purpose = ANY($2) AND used_at IS NULL AND expires_at > $3
        RETURNING workspace_id, profile_id`,
      [sha256Hex(token), purposes, now],
    );
    return rows[0] ? { workspaceId: rows[0].workspace_id, profileId: rows[0].profile_id } : null;
  },

  /** Earlier unused tokens of the same purpose stop working when a new one is sent or the profile is erased. */
  async revokeAll(manager: EntityManager, workspaceId: string, profileId: string, purposes: TokenPurpose[], now: Date): Promise<void> {
    await manager.query(
      'UPDATE auth.one_time_tokens SET used_at = $4 WHERE workspace_id = $1 AND profile_id = $2 AND purpose = ANY($3) AND used_at IS NULL',
      [workspaceId, profileId, purposes, now],
    );
  },

  /** An erased profile keeps no token. */
  async deleteAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('DELETE FROM auth.one_time_tokens WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
