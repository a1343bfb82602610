import type { EntityManager } from 'typeorm';
import { canonicalEmailOrNull } from '@idstream/contracts';

/**
 * The key an email is unique under in a workspace: its canonical form (`canonicalEmail` in
 * libs/contracts; the address itself is kept as given). Null for an address without one,
 * which matches nothing and can claim nothing.
 */
export const emailKey = (email: string): string | null => canonicalEmailOrNull(email);

/** `auth.emails`: which profile holds an email in a workspace, written with the events that claim it. */
export const EmailIndex = {
  async profileIdOf(manager: EntityManager, workspaceId: string, email: string): Promise<string | null> {
    const key = emailKey(email);
    if (key === null) return null;
    const rows: { profile_id: string }[] = await manager.query(
      'SELECT profile_id FROM auth.emails WHERE workspace_id = $1 AND email_lower = $2',
      [workspaceId, key],
    );
    return rows[0]?.profile_id ?? null;
  },

  /** Claims a free email for `profileId`; false when another writer holds it already (or it has no canonical form). */
  async claim(manager: EntityManager, workspaceId: string, email: string, profileId: string): Promise<boolean> {
    const key = emailKey(email);
    if (key === null) return false;
    const claimed: unknown[] = await manager.query(
      'INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
      [workspaceId, key, profileId],
    );
    return claimed.length > 0;
  },

  async releaseAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('DELETE FROM auth.emails WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
