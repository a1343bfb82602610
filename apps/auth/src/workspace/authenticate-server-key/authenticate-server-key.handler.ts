import { Injectable } from '@nestjs/common';
import { fail, ok, type AuthenticateServerKeyQuery, type AuthenticateServerKeyResult, type Reply } from '@idstream/contracts';
import { WorkspaceStore } from '../workspace.store';

/** Backend: the workspace a server key belongs to (the store compares its hash in constant time). */
@Injectable()
export class AuthenticateServerKeyHandler {
  constructor(private readonly workspaces: WorkspaceStore) {}

  async handle(query: AuthenticateServerKeyQuery): Promise<Reply<AuthenticateServerKeyResult>> {
    const workspace = typeof query.serverKey === 'string' ? await this.workspaces.byServerKey(query.serverKey) : null;
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown server key');
    return ok({ workspaceId: workspace.id });
  }
}
