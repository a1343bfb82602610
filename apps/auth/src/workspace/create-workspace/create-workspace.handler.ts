import { Inject, Injectable } from '@nestjs/common';
import { ok, type CreateWorkspaceCommand, type CreateWorkspaceResult, type Reply } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { DEFAULT_WORKSPACE_SETTINGS, mergeSettings } from '../workspace.settings';
import { WorkspaceStore } from '../workspace.store';

/** Admin: a new workspace with its keys (the server key is shown once). */
@Injectable()
export class CreateWorkspaceHandler {
  constructor(
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: CreateWorkspaceCommand): Promise<Reply<CreateWorkspaceResult>> {
    const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, cmd.settings, this.config);
    if (!merged.ok) return { ok: false, error: merged.error };
    const { workspace, serverKey } = await this.workspaces.create(merged.settings);
    return ok({ workspaceId: workspace.id, clientApiKey: workspace.clientApiKey, serverKey, settings: workspace.settings });
  }
}
