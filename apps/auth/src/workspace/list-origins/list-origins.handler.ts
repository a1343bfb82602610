import { Injectable } from '@nestjs/common';
import { ok, type Reply, type WorkspaceOriginsResult } from '@idstream/contracts';
import { WorkspaceStore } from '../workspace.store';

/** The gateway: every workspace's allowed CORS origins. */
@Injectable()
export class ListOriginsHandler {
  constructor(private readonly workspaces: WorkspaceStore) {}

  async handle(): Promise<Reply<WorkspaceOriginsResult>> {
    const workspaces = await this.workspaces.withAllowedOrigins();
    return ok({
      workspaces: workspaces.map((w) => ({ workspaceId: w.id, clientApiKey: w.clientApiKey, allowedOrigins: w.settings.allowedOrigins })),
    });
  }
}
