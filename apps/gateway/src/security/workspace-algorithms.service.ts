import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AuthPatterns, type TokenAlgorithm, type WorkspaceTokenAlgorithmsResult } from '@idstream/contracts';
import { AuthClient } from '../rpc/rpc.clients';

type Entry = WorkspaceTokenAlgorithmsResult['workspaces'][number];

/** How often the view reloads on its own, so that a changed algorithm is pinned soon. */
const REFRESH_EVERY_MS = 30_000;
/** A token the view refuses triggers a reload at most this often. */
const MISS_REFRESH_AFTER_MS = 2_000;

/**
 * The gateway's view of each workspace's token algorithm (docs/architecture.md §7), asked of
 * auth over TCP like the CORS origins: at start, every 30 s, and when a genuine token names a
 * workspace the view refuses (at most every 2 s), and after an admin write through this gateway.
 * While auth cannot be reached,
 * the last view stays in force.
 */
@Injectable()
export class WorkspaceAlgorithms implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WorkspaceAlgorithms');
  private byWorkspace = new Map<string, Entry>();
  private loading: Promise<void> | null = null;
  private loadedAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(AuthClient) private readonly auth: Pick<AuthClient, 'call'>) {}

  onApplicationBootstrap(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * After a miss: waits for a load in flight, else reloads unless the last successful load is
   * under 2 s old; true when the view may have changed. A failed load (auth still starting)
   * does not count, so the first tokens after a start are not refused for want of a view.
   */
  async refreshAfterMiss(): Promise<boolean> {
    if (this.loading) {
      await this.loading;
      return true;
    }
    if (Date.now() - this.loadedAt < MISS_REFRESH_AFTER_MS) return false;
    await this.refresh();
    return true;
  }

  /**
   * Whether a token of the workspace issued at `iat` (seconds) may be signed with `alg`: its
   * algorithm, or the previous one for tokens issued before the change. Unknown workspace: no.
   */
  accepts(workspaceId: string, alg: TokenAlgorithm, iat: number): boolean {
    const entry = this.byWorkspace.get(workspaceId);
    if (!entry) return false;
    if (entry.tokenAlgorithm === alg) return true;
    const previous = entry.previous;
    return previous !== null && previous.tokenAlgorithm === alg && iat * 1000 <= Date.parse(previous.changedAt);
  }

  /** Reloads now, sharing a load in flight. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const startedAt = Date.now();
    try {
      const { workspaces } = await this.auth.call<WorkspaceTokenAlgorithmsResult>(AuthPatterns.listWorkspaceTokenAlgorithms, {});
      this.byWorkspace = new Map(workspaces.map((w) => [w.workspaceId, w]));
      this.loadedAt = startedAt;
    } catch (error) {
      this.logger.warn({
        msg: 'could not load the token algorithms of the workspaces; keeping the last view',
        error: (error as Error).message,
      });
    }
  }
}
