import type { EntityManager } from 'typeorm';

/** The key an email is unique under in a workspace (case-insensitive; the address is kept as given). */
export const emailKey = (email: string): string => email.toLowerCase();

/** `auth.emails`: which profile holds an email in a workspace, written with the events that claim it. */
export const EmailIndex = {
  async profileIdOf(manager: EntityManager, workspaceId: string, email: string): Promise<string | null> {
    const rows: { profile_id: string }[] = await manager.query(
      'SELECT profile_id FROM auth.emails WHERE workspace_id = $1 AND email_lower = $2',
      [workspaceId, emailKey(email)],
    );
    return rows[0]?.profile_id ?? null;
  },

  /** Claims a free email for `profileId`; false when another writer holds it already. */
  async claim(manager: EntityManager, workspaceId: string, email: string, profileId: string): Promise<boolean> {
    const claimed: unknown[] = await manager.query(
      'INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
      [workspaceId, emailKey(email), profileId],
    );
    return claimed.length > 0;
  },

  async releaseAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('DELETE FROM auth.emails WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
