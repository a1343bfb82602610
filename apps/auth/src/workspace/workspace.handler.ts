import { Inject, Injectable } from '@nestjs/common';
import {
  fail,
  ok,
  type AuthenticateServerKeyQuery,
  type AuthenticateServerKeyResult,
  type CreateWorkspaceCommand,
  type CreateWorkspaceResult,
  type Reply,
  type UpdateWorkspaceCommand,
  type WorkspaceOriginsResult,
  type WorkspaceSettings,
} from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { DEFAULT_WORKSPACE_SETTINGS, mergeSettings } from './workspace.settings';
import { WorkspaceStore } from './workspace.store';

/** Admin: create and configure workspaces; backend: authenticate a server key; the gateway: CORS origins. */
@Injectable()
export class WorkspaceHandler {
  constructor(
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async create(cmd: CreateWorkspaceCommand): Promise<Reply<CreateWorkspaceResult>> {
    const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, cmd.settings, this.config);
    if (!merged.ok) return { ok: false, error: merged.error };
    const { workspace, serverKey } = await this.workspaces.create(merged.settings);
    return ok({ workspaceId: workspace.id, clientApiKey: workspace.clientApiKey, serverKey, settings: workspace.settings });
  }

  async update(cmd: UpdateWorkspaceCommand): Promise<Reply<WorkspaceSettings>> {
    const workspace = await this.workspaces.byId(cmd.workspaceId);
    if (!workspace) return fail('WORKSPACE_NOT_FOUND', 'No such workspace');
    const merged = mergeSettings(workspace.settings, cmd.settings, this.config);
    if (!merged.ok) return { ok: false, error: merged.error };
    await this.workspaces.saveSettings(workspace.id, merged.settings);
    return ok(merged.settings);
  }

  async listOrigins(): Promise<Reply<WorkspaceOriginsResult>> {
    const workspaces = await this.workspaces.withAllowedOrigins();
    return ok({
      workspaces: workspaces.map((w) => ({ workspaceId: w.id, clientApiKey: w.clientApiKey, allowedOrigins: w.settings.allowedOrigins })),
    });
  }

  async authenticateServerKey(query: AuthenticateServerKeyQuery): Promise<Reply<AuthenticateServerKeyResult>> {
    const workspace = typeof query.serverKey === 'string' ? await this.workspaces.byServerKey(query.serverKey) : null;
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown server key');
    return ok({ workspaceId: workspace.id });
  }
}
