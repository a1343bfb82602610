import type { EntityManager } from 'typeorm';
import { Refused } from './profile.store';

/** Makes `customId` point at `profileId`, or refuses when another profile holds it. */
export async function claimCustomId(manager: EntityManager, workspaceId: string, customId: string, profileId: string): Promise<void> {
  const owner: { profile_id: string }[] = await manager.query(
    `INSERT INTO auth.custom_ids (workspace_id, custom_id, profile_id) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id, custom_id) DO UPDATE SET custom_id = EXCLUDED.custom_id RETURNING profile_id`,
    [workspaceId, customId, profileId],
  );
  if (owner[0]?.profile_id !== profileId)
    throw new Refused({ code: 'CUSTOM_ID_TAKEN', message: 'This customId belongs to another profile' });
}

/** Frees the customIds a profile no longer holds (an update or an erasure). */
export async function releaseCustomIds(manager: EntityManager, workspaceId: string, profileId: string, keep: string | null): Promise<void> {
  await manager.query('DELETE FROM auth.custom_ids WHERE workspace_id = $1 AND profile_id = $2 AND custom_id IS DISTINCT FROM $3', [
    workspaceId,
    profileId,
    keep,
  ]);
}
