import type { WorkspaceSettings } from '../../workspaces/workspace-settings.service';
import type { WorkspaceOfRequest } from './cors.policy';

/**
 * Which browser origins each workspace allows, read from the gateway's one view of the
 * workspace settings (WorkspaceSettings): an origin the view does not know gets a reload of
 * the view first (at most every 2 s, and at once after a failed load), so a new origin works
 * almost at once and a gateway that started before auth answers as soon as auth does.
 */
export class WorkspaceOrigins {
  constructor(private readonly settings: Pick<WorkspaceSettings, 'current' | 'refreshAfterMiss'>) {}

  /** Whether any workspace allows the origin: the preflight's question. */
  async anyAllows(origin: string): Promise<boolean> {
    if (this.settings.current.allOrigins.has(origin)) return true;
    await this.settings.refreshAfterMiss();
    return this.settings.current.allOrigins.has(origin);
  }

  /** Whether the request's own workspace allows the origin (the union when the request names none). */
  async allows(workspace: WorkspaceOfRequest, origin: string): Promise<boolean> {
    if (!this.settings.current.allOrigins.has(origin)) await this.settings.refreshAfterMiss();
    const { allOrigins, originsByWorkspace, workspaceOfClientKey } = this.settings.current;
    switch (workspace.kind) {
      case 'none':
        return allOrigins.has(origin);
      case 'api-key': {
        const workspaceId = workspaceOfClientKey.get(workspace.apiKey);
        // An unknown key gets its 401 readable from origins some workspace allows.
        return workspaceId === undefined ? allOrigins.has(origin) : (originsByWorkspace.get(workspaceId)?.has(origin) ?? false);
      }
      case 'workspace':
        return originsByWorkspace.get(workspace.workspaceId)?.has(origin) ?? false;
    }
  }
}
