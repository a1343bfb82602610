import { Logger } from '@nestjs/common';

export interface PolledViewSettings<T> {
  /** Names the view in logs (`WorkspaceSettings`, `IngesterWorkspaceAlgorithms`). */
  name: string;
  /** One load of the whole view (over the caller's own transport); throws when it cannot. */
  load: () => Promise<T>;
  /** How often the view reloads on its own once loaded. */
  refreshEveryMs: number;
  /** `refreshAfterMiss()` reloads only when the last successful load started at least this long ago. */
  missRefreshAfterMs: number;
  /** After a failed load, the next one in the background: from `firstMs`, doubling, at most `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
  now?: () => number;
}

/** What `refreshAfterMiss()` did: reloaded the view, found it fresh enough to stand, or could not load it. */
export type MissRefresh = 'reloaded' | 'recent' | 'failed';

/**
 * A view another app owns (auth's workspace settings), loaded whole over the network: at start,
 * every `refreshEveryMs`, after a failed load with backoff until one succeeds, and on demand
 * when a caller met something the view does not know (`refreshAfterMiss`, rate-limited).
 *
 * The failed-load rule, the same for every reader: a failed load keeps the last view and does
 * not count as a load, so a process that started before the owner (the first loads fail) is
 * neither stuck refusing what it does not know yet (the next miss reloads at once) nor
 * believing an empty view (`loaded` stays false until a load succeeds).
 */
export class PolledView<T> {
  private readonly logger: Logger;
  private readonly now: () => number;
  private value: T | null = null;
  /** When the last successful load started. */
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<boolean> | null = null;
  /** The load queued behind the one in flight by `reloadAfterWrite`. */
  private queued: Promise<boolean> | null = null;
  private interval: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private failures = 0;
  private stopped = false;
  private readonly firstLoad: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly settings: PolledViewSettings<T>) {
    this.logger = new Logger(settings.name);
    this.now = settings.now ?? Date.now;
    this.retryDelayMs = settings.retry?.firstMs ?? 1000;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstLoad = { promise, resolve };
  }

  /** The last successfully loaded view; null until a load succeeded. */
  get current(): T | null {
    return this.value;
  }

  get loaded(): boolean {
    return this.value !== null;
  }

  start(): void {
    this.stopped = false;
    void this.refresh();
    this.interval = setInterval(() => void this.refresh(), this.settings.refreshEveryMs);
    this.interval.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.interval = null;
    this.retryTimer = null;
  }

  /** Resolves once a load succeeded; rejects after `timeoutMs` without one. */
  async whenLoaded(timeoutMs: number): Promise<void> {
    if (this.loaded) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.settings.name}: not loaded after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.firstLoad.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * After a miss: waits for a load in flight (and when that one failed, which it may have done
   * before the owner came up, tries once more), else reloads unless the last successful load
   * started under `missRefreshAfterMs` ago ('recent': the view stands).
   */
  async refreshAfterMiss(): Promise<MissRefresh> {
    if (this.loading && (await this.loading)) return 'reloaded';
    if (this.now() - this.loadedAt < this.settings.missRefreshAfterMs) return 'recent';
    return (await this.refresh()) ? 'reloaded' : 'failed';
  }

  /** Reloads now, sharing a load in flight; true when it succeeded. */
  refresh(): Promise<boolean> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /**
   * After the caller changed what the view holds (an admin write): a load that starts after
   * this call. A load in flight may have read the owner before the write, so it is not shared;
   * one load is queued behind it for every caller that comes meanwhile.
   */
  reloadAfterWrite(): Promise<boolean> {
    if (!this.loading) return this.refresh();
    this.queued ??= this.loading.then(() => {
      this.queued = null;
      return this.refresh();
    });
    return this.queued;
  }

  private async load(): Promise<boolean> {
    const startedAt = this.now();
    try {
      const value = await this.settings.load();
      const first = this.value === null;
      this.value = value;
      this.loadedAt = startedAt;
      this.failures = 0;
      this.retryDelayMs = this.settings.retry?.firstMs ?? 1000;
      if (first) {
        this.logger.log({ msg: 'loaded' });
        this.firstLoad.resolve();
      }
      return true;
    } catch (error) {
      this.failures++;
      const entry = {
        msg: this.loaded ? 'could not reload; keeping the last view' : 'could not load yet; retrying',
        err: (error as Error).message,
        failures: this.failures,
      };
      // The owner may simply not be up yet (apps start together): the first failure is news.
      if (this.loaded || this.failures % 20 === 0) this.logger.warn(entry);
      else if (this.failures === 1) this.logger.log(entry);
      this.scheduleRetry();
      return false;
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.settings.retry?.maxMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.refresh();
    }, delay);
    this.retryTimer.unref();
  }
}
