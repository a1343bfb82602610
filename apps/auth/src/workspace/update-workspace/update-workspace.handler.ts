import { Inject, Injectable } from '@nestjs/common';
import { fail, ok, type Reply, type UpdateWorkspaceCommand, type WorkspaceSettings } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { mergeSettings } from '../workspace.settings';
import { WorkspaceStore } from '../workspace.store';

/** Admin: a workspace's settings, merged and validated. */
@Injectable()
export class UpdateWorkspaceHandler {
  constructor(
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: UpdateWorkspaceCommand): Promise<Reply<WorkspaceSettings>> {
    const workspace = await this.workspaces.byId(cmd.workspaceId);
    if (!workspace) return fail('WORKSPACE_NOT_FOUND', 'No such workspace');
    const merged = mergeSettings(workspace.settings, cmd.settings, this.config);
    if (!merged.ok) return { ok: false, error: merged.error };
    await this.workspaces.saveSettings(workspace.id, merged.settings);
    return ok(merged.settings);
  }
}
