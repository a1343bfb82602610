import type { EntityManager } from 'typeorm';

/** `auth.external_identities`: which profile holds an external identity (issuer, subject) in a workspace. */
export const ExternalIdentityIndex = {
  async profileIdOf(manager: EntityManager, workspaceId: string, issuer: string, subject: string): Promise<string | null> {
    const rows: { profile_id: string }[] = await manager.query(
      'SELECT profile_id FROM auth.external_identities WHERE workspace_id = $1 AND issuer = $2 AND subject = $3',
      [workspaceId, issuer, subject],
    );
    return rows[0]?.profile_id ?? null;
  },

  /** Claims a free identity for `profileId`; false when another profile holds it already. */
  async claim(manager: EntityManager, workspaceId: string, issuer: string, subject: string, profileId: string): Promise<boolean> {
    const claimed: unknown[] = await manager.query(
      `INSERT INTO auth.external_identities (workspace_id, issuer, subject, profile_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [workspaceId, issuer, subject, profileId],
    );
    return claimed.length > 0;
  },

  async releaseAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('DELETE FROM auth.external_identities WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
