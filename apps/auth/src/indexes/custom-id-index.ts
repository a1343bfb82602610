import type { EntityManager } from 'typeorm';

/** `auth.custom_ids`: which profile holds a backend's customId in a workspace. */
export const CustomIdIndex = {
  async profileIdOf(manager: EntityManager, workspaceId: string, customId: string): Promise<string | null> {
    const rows: { profile_id: string }[] = await manager.query(
      'SELECT profile_id FROM auth.custom_ids WHERE workspace_id = $1 AND custom_id = $2',
      [workspaceId, customId],
    );
    return rows[0]?.profile_id ?? null;
  },

  /** Makes `customId` point at `profileId`; false when another profile holds it. */
  async claim(manager: EntityManager, workspaceId: string, customId: string, profileId: string): Promise<boolean> {
    const owner: { profile_id: string }[] = await manager.query(
      `INSERT INTO auth.custom_ids (workspace_id, custom_id, profile_id) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, custom_id) DO UPDATE SET custom_id = EXCLUDED.custom_id RETURNING profile_id`,
      [workspaceId, customId, profileId],
    );
    return owner[0]?.profile_id === profileId;
  },

  /** Frees the customIds a profile no longer holds (an update, or `keep` null: an erasure). */
  async releaseOthers(manager: EntityManager, workspaceId: string, profileId: string, keep: string | null): Promise<void> {
    await manager.query('DELETE FROM auth.custom_ids WHERE workspace_id = $1 AND profile_id = $2 AND custom_id IS DISTINCT FROM $3', [
      workspaceId,
      profileId,
      keep,
    ]);
  },
};
