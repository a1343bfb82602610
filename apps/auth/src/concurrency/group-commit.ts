/**
 * Group commit: callers `submit` one item each; the items that arrive while a commit is in
 * flight (or within `lingerMs` of the first, when set) are written together by ONE call of
 * `commit`, and each caller is answered with its own result only after that commit returned.
 * One commit runs at a time, at most `maxBatch` items each; the rest wait for the next one.
 *
 * A failed commit is retried item by item (each alone in a commit of one), so one bad item
 * (a lost race, a constraint) cannot fail the others, and a caller whose own commit of one
 * failed gets that error. `commit` must therefore be all-or-nothing for its batch (one
 * database transaction): a batch that failed left nothing behind, and the retry writes each
 * item once. Items are not de-duplicated here; `commit` must accept repeats (idempotent writes).
 */
export interface GroupCommitOptions {
  /** Most items in one commit. */
  maxBatch: number;
  /** How long the first item of an idle batcher waits for company (0: commit at once; batches form while a commit runs). */
  lingerMs?: number;
}

interface Pending<TItem, TResult> {
  item: TItem;
  resolve: (result: TResult) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<TItem, TResult> {
  private queue: Pending<TItem, TResult>[] = [];
  private running = false;
  private lingering = false;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  /** Commits made and items they carried (for the metrics and the tests). */
  readonly stats = { commits: 0, items: 0, largestBatch: 0, fallbacks: 0 };

  constructor(
    private readonly commit: (items: TItem[]) => Promise<TResult[]>,
    options: GroupCommitOptions,
  ) {
    if (!Number.isSafeInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError('GroupCommit: maxBatch must be ≥ 1');
    this.maxBatch = options.maxBatch;
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
  }

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a commit (not counting the one in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.running || this.lingering || this.queue.length === 0) return;
    if (this.lingerMs > 0 && this.queue.length < this.maxBatch) {
      this.lingering = true;
      setTimeout(() => {
        this.lingering = false;
        this.drain();
      }, this.lingerMs);
      return;
    }
    this.drain();
  }

  private drain(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    void this.write(batch).finally(() => {
      this.running = false;
      // What queued meanwhile goes at once: it already waited for a whole commit.
      if (this.queue.length > 0) this.drain();
    });
  }

  private async write(batch: Pending<TItem, TResult>[]): Promise<void> {
    this.stats.commits += 1;
    this.stats.items += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let results: TResult[];
    try {
      results = await this.commit(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`GroupCommit: commit answered ${results.length} results for ${batch.length} items`);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Nothing of the batch was written: each item again, alone, so only a bad one fails.
      this.stats.fallbacks += 1;
      for (const pending of batch) await this.write([pending]);
      return;
    }
    batch.forEach((pending, i) => pending.resolve(results[i]!));
  }
}
