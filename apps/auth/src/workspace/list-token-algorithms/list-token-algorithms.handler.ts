import { Injectable } from '@nestjs/common';
import { ok, type Reply, type WorkspaceTokenAlgorithmsResult } from '@idstream/contracts';
import { WorkspaceStore } from '../workspace.store';

/** The gateway: every workspace's token algorithm, which its token verifier pins (§7). */
@Injectable()
export class ListTokenAlgorithmsHandler {
  constructor(private readonly workspaces: WorkspaceStore) {}

  async handle(): Promise<Reply<WorkspaceTokenAlgorithmsResult>> {
    return ok({ workspaces: await this.workspaces.tokenAlgorithms() });
  }
}
