import { Inject, Injectable } from '@nestjs/common';
import { workspaceAcceptsAlgorithm, type TokenAlgorithm } from '@idstream/contracts';
import { WorkspaceSettings } from '../workspaces/workspace-settings.service';

/**
 * The pin of each workspace's token algorithm (docs/architecture.md §7), read from the
 * gateway's one view of the workspace settings (WorkspaceSettings), for TokenVerifier and the
 * introspection route.
 */
@Injectable()
export class WorkspaceAlgorithms {
  constructor(@Inject(WorkspaceSettings) private readonly settings: Pick<WorkspaceSettings, 'current' | 'refreshAfterMiss'>) {}

  /**
   * After a token the pin refused: true when the view was reloaded (so a second try may pass);
   * false when it stands (loaded under 2 s ago) or auth could not be reached.
   */
  async refreshAfterMiss(): Promise<boolean> {
    return (await this.settings.refreshAfterMiss()) === 'reloaded';
  }

  /**
   * Whether a token of the workspace issued at `iat` (seconds) may be signed with `alg`: its
   * algorithm, or the previous one for tokens issued before the change. Unknown workspace: no.
   */
  accepts(workspaceId: string, alg: TokenAlgorithm, iat: number): boolean {
    return workspaceAcceptsAlgorithm(this.settings.current.algorithms.get(workspaceId), alg, iat);
  }
}
