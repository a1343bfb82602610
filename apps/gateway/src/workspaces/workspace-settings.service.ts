import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  AuthPatterns,
  type WorkspaceOriginsResult,
  type WorkspaceTokenAlgorithm,
  type WorkspaceTokenAlgorithmsResult,
} from '@idstream/contracts';
import { PolledView, type MissRefresh } from '@idstream/runtime';
import { AuthClient } from '../rpc/rpc.clients';

/** How often the view reloads on its own, so that a changed algorithm is pinned and a removed origin stops working soon. */
const REFRESH_EVERY_MS = 30_000;
/** A miss (a token the pin refuses, an unknown origin) triggers a reload at most this often. */
const MISS_REFRESH_AFTER_MS = 2_000;

/** The workspace settings the gateway acts on by itself, as of one load. */
export interface WorkspaceSettingsSnapshot {
  algorithms: ReadonlyMap<string, WorkspaceTokenAlgorithm>;
  originsByWorkspace: ReadonlyMap<string, ReadonlySet<string>>;
  workspaceOfClientKey: ReadonlyMap<string, string>;
  /** Every workspace's origins: what a preflight (no credential) is answered from. */
  allOrigins: ReadonlySet<string>;
}

const NOTHING_YET: WorkspaceSettingsSnapshot = {
  algorithms: new Map(),
  originsByWorkspace: new Map(),
  workspaceOfClientKey: new Map(),
  allOrigins: new Set(),
};

/**
 * The gateway's one view of auth's workspace settings (docs/architecture.md §7 and CORS): each
 * workspace's token algorithm (WorkspaceAlgorithms) and allowed origins (WorkspaceOrigins).
 * Workspaces are auth's configuration (no event carries them), so the view asks auth over TCP,
 * in one load of both lists: at start and until auth first answers, every 30 s, at once after
 * an admin write through this gateway, and after a miss (at most every 2 s, so a flood of
 * foreign origins or stray tokens costs one load per 2 s). The failed-load rule is PolledView's:
 * a failed load keeps the last view and does not hold back the next miss's reload, so a gateway
 * that started before auth answers correctly as soon as auth does.
 */
@Injectable()
export class WorkspaceSettings implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly view: PolledView<WorkspaceSettingsSnapshot>;

  constructor(@Inject(AuthClient) auth: Pick<AuthClient, 'call'>) {
    this.view = new PolledView({
      name: 'WorkspaceSettings',
      load: async () => {
        const [algorithms, origins] = await Promise.all([
          auth.call<WorkspaceTokenAlgorithmsResult>(AuthPatterns.listWorkspaceTokenAlgorithms, {}),
          auth.call<WorkspaceOriginsResult>(AuthPatterns.listWorkspaceOrigins, {}),
        ]);
        return snapshotOf(algorithms, origins);
      },
      refreshEveryMs: REFRESH_EVERY_MS,
      missRefreshAfterMs: MISS_REFRESH_AFTER_MS,
      retry: { firstMs: 500, maxMs: 5000 },
    });
  }

  onApplicationBootstrap(): void {
    this.view.start();
  }

  onModuleDestroy(): void {
    this.view.stop();
  }

  /** The last loaded settings (empty until auth first answered). */
  get current(): WorkspaceSettingsSnapshot {
    return this.view.current ?? NOTHING_YET;
  }

  /** Reloads after an admin write through this gateway (a load that starts after the write). */
  refresh(): Promise<boolean> {
    return this.view.reloadAfterWrite();
  }

  /** See PolledView.refreshAfterMiss. */
  refreshAfterMiss(): Promise<MissRefresh> {
    return this.view.refreshAfterMiss();
  }
}

function snapshotOf(algorithms: WorkspaceTokenAlgorithmsResult, origins: WorkspaceOriginsResult): WorkspaceSettingsSnapshot {
  return {
    algorithms: new Map(algorithms.workspaces.map((w) => [w.workspaceId, w])),
    originsByWorkspace: new Map(origins.workspaces.map((w) => [w.workspaceId, new Set(w.allowedOrigins)])),
    workspaceOfClientKey: new Map(origins.workspaces.map((w) => [w.clientApiKey, w.workspaceId])),
    allOrigins: new Set(origins.workspaces.flatMap((w) => w.allowedOrigins)),
  };
}
