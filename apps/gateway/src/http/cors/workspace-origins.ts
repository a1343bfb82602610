import { Logger } from '@nestjs/common';
import { AuthPatterns, type WorkspaceOriginsResult } from '@idstream/contracts';
import type { AuthClient } from '../../rpc/rpc.clients';
import type { WorkspaceOfRequest } from './cors.policy';

/** How often the view reloads on its own, so that removed origins stop working. */
const REFRESH_EVERY_MS = 30_000;
/** An origin the view does not know triggers a reload at most this often (a new origin works almost at once). */
const MISS_REFRESH_AFTER_MS = 2_000;

/**
 * The gateway's view of which browser origins each workspace allows. Workspaces are auth's
 * configuration (no event carries them), so the view asks auth over TCP: at start, every 30 s,
 * and when an unknown origin shows up (at most every 2 s, so a flood of foreign origins costs
 * one call per 2 s). While auth cannot be reached, the last view stays in force.
 */
export class WorkspaceOrigins {
  private readonly logger = new Logger('WorkspaceOrigins');
  private byWorkspace = new Map<string, Set<string>>();
  private byApiKey = new Map<string, string>();
  private union = new Set<string>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly auth: Pick<AuthClient, 'call'>,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Whether any workspace allows the origin: the preflight's question. */
  async anyAllows(origin: string): Promise<boolean> {
    if (this.union.has(origin)) return true;
    await this.refreshAfterMiss();
    return this.union.has(origin);
  }

  /** Whether the request's own workspace allows the origin (the union when the request names none). */
  async allows(workspace: WorkspaceOfRequest, origin: string): Promise<boolean> {
    if (!this.union.has(origin)) await this.refreshAfterMiss();
    switch (workspace.kind) {
      case 'none':
        return this.union.has(origin);
      case 'api-key': {
        const workspaceId = this.byApiKey.get(workspace.apiKey);
        // An unknown key gets its 401 readable from origins some workspace allows.
        return workspaceId === undefined ? this.union.has(origin) : (this.byWorkspace.get(workspaceId)?.has(origin) ?? false);
      }
      case 'workspace':
        return this.byWorkspace.get(workspace.workspaceId)?.has(origin) ?? false;
    }
  }

  private async refreshAfterMiss(): Promise<void> {
    if (this.now() - this.loadedAt < MISS_REFRESH_AFTER_MS) return;
    await this.refresh();
  }

  /** Reloads now (after an admin changed a workspace through this gateway), sharing a load in flight. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.loadedAt = this.now();
    try {
      const { workspaces } = await this.auth.call<WorkspaceOriginsResult>(AuthPatterns.listWorkspaceOrigins, {});
      this.byWorkspace = new Map(workspaces.map((w) => [w.workspaceId, new Set(w.allowedOrigins)]));
      this.byApiKey = new Map(workspaces.map((w) => [w.clientApiKey, w.workspaceId]));
      this.union = new Set(workspaces.flatMap((w) => w.allowedOrigins));
    } catch (error) {
      this.logger.warn({
        msg: 'could not load the allowed origins of the workspaces; keeping the last view',
        error: (error as Error).message,
      });
    }
  }
}
