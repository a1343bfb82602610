import type { EntityManager } from 'typeorm';
import type { CoWrite } from '../event-store/event-store';

/** `auth.clients`: the devices seen in a workspace and the customer each one is linked to. */
export const ClientLinks = {
  /** Records a device the first time it is seen; true when it was new. */
  async add(manager: EntityManager, workspaceId: string, uuid: string): Promise<boolean> {
    const created: unknown[] = await manager.query(
      'INSERT INTO auth.clients (workspace_id, uuid) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
      [workspaceId, uuid],
    );
    return created.length > 0;
  },

  /** The profile a device is linked to, locking the row until the transaction ends. */
  async linkedProfileForUpdate(manager: EntityManager, workspaceId: string, uuid: string): Promise<string | null> {
    const rows: { profile_id: string | null }[] = await manager.query(
      'SELECT profile_id FROM auth.clients WHERE workspace_id = $1 AND uuid = $2 FOR UPDATE',
      [workspaceId, uuid],
    );
    return rows[0]?.profile_id ?? null;
  },

  async link(manager: EntityManager, workspaceId: string, uuid: string, profileId: string): Promise<void> {
    const params: unknown[] = [];
    await manager.query(this.linkWrite(workspaceId, uuid, profileId)(params), params);
  },

  /** `link` as a write of the event's own append statement (EventStore's co-write). */
  linkWrite(workspaceId: string, uuid: string, profileId: string): CoWrite {
    return (params) => {
      const n = params.push(workspaceId, uuid, profileId);
      return `UPDATE auth.clients SET profile_id = $${n} WHERE workspace_id = $${n - 2} AND uuid = $${n - 1}`;
    };
  },

  async unlinkAll(manager: EntityManager, workspaceId: string, profileId: string): Promise<void> {
    await manager.query('UPDATE auth.clients SET profile_id = NULL WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
  },
};
