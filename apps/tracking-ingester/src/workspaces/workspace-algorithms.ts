import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import {
  AuthPatterns,
  workspaceAcceptsAlgorithm,
  type Reply,
  type TokenAlgorithm,
  type WorkspaceTokenAlgorithm,
  type WorkspaceTokenAlgorithmsResult,
} from '@idstream/contracts';
import { PolledView, type MissRefresh } from '@idstream/runtime';

/** How often the view reloads on its own, so that a changed algorithm is pinned soon. */
const REFRESH_EVERY_MS = 30_000;
/** A token the view refuses triggers a reload at most this often. */
const MISS_REFRESH_AFTER_MS = 2_000;

type ByWorkspace = ReadonlyMap<string, WorkspaceTokenAlgorithm>;

/**
 * The ingester's view of each workspace's token algorithm (docs/architecture.md §7), asked of
 * auth over TCP like the gateway's (the shared `PolledView` and its failed-load rule): at start
 * and until auth first answers, every 30 s, and when a genuine token's algorithm is not its
 * workspace's (at most every 2 s). A refusal is final (it goes to tracking.rejected), so the
 * batch processor decides only on a loaded view, and refuses on the pin only when the view was
 * loaded after the miss or under 2 s before it; otherwise the batch fails and is retried.
 */
export class WorkspaceAlgorithms {
  private readonly view: PolledView<ByWorkspace>;
  private client: ClientProxy | null = null;

  constructor(load: () => Promise<WorkspaceTokenAlgorithmsResult>) {
    this.view = new PolledView<ByWorkspace>({
      name: 'IngesterWorkspaceAlgorithms',
      load: async () => new Map((await load()).workspaces.map((w) => [w.workspaceId, w])),
      refreshEveryMs: REFRESH_EVERY_MS,
      missRefreshAfterMs: MISS_REFRESH_AFTER_MS,
      retry: { firstMs: 500, maxMs: 5000 },
    });
  }

  /** The view asked of auth over Nest TCP (one client, reused by every load, as the JWKS loader does). */
  static overTcp(auth: { host: string; port: number }): WorkspaceAlgorithms {
    const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: auth.host, port: auth.port } });
    const view = new WorkspaceAlgorithms(async () => {
      const reply = await firstValueFrom(
        client.send<Reply<WorkspaceTokenAlgorithmsResult>>(AuthPatterns.listWorkspaceTokenAlgorithms, {}).pipe(timeout({ first: 3000 })),
      );
      if (!reply?.ok) throw new Error(reply ? `${reply.error.code}: ${reply.error.message}` : 'no reply');
      return reply.value;
    });
    view.client = client;
    return view;
  }

  start(): void {
    this.view.start();
  }

  async stop(): Promise<void> {
    this.view.stop();
    await Promise.resolve(this.client?.close()).catch(() => undefined);
  }

  /** Resolves once auth answered once; rejects after `timeoutMs` (the batch is then retried). */
  whenLoaded(timeoutMs: number): Promise<void> {
    return this.view.whenLoaded(timeoutMs);
  }

  /** See PolledView.refreshAfterMiss. */
  refreshAfterMiss(): Promise<MissRefresh> {
    return this.view.refreshAfterMiss();
  }

  /** Whether a token of the workspace issued at `iat` may be signed with `alg` (false before a first load). */
  accepts(workspaceId: string, alg: TokenAlgorithm, iat: number): boolean {
    return workspaceAcceptsAlgorithm(this.view.current?.get(workspaceId), alg, iat);
  }
}
