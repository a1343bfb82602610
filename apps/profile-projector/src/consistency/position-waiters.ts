/** Reads the last applied sequence of an aggregate (undefined: none yet). */
export type ReadPosition = (workspaceId: string, aggregateId: string) => Promise<number | undefined>;

interface Waiter {
  target: number;
  wake(): void;
}

/**
 * Read-your-writes for backend queries: `reached` resolves true once the read model has
 * applied `sequence` of the aggregate, or false at the deadline. The consumer wakes waiters
 * from its afterCommit (no polling while this process applies the event); a slow poll of
 * the stored position is the fallback for events applied by another replica, or committed
 * by a batch whose notification raced with the waiter's registration.
 */
export class PositionWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly read: ReadPosition,
    private readonly pollMs = 250,
  ) {}

  /** The consumer committed `sequence` of this aggregate. */
  notify(workspaceId: string, aggregateId: string, sequence: number): void {
    const set = this.waiters.get(key(workspaceId, aggregateId));
    if (!set) return;
    for (const waiter of set) if (sequence >= waiter.target) waiter.wake();
  }

  async reached(workspaceId: string, aggregateId: string, sequence: number, timeoutMs: number): Promise<boolean> {
    const k = key(workspaceId, aggregateId);
    let woken = false;
    let wake: () => void = () => undefined;
    const waiter: Waiter = {
      target: sequence,
      wake: () => {
        woken = true;
        wake();
      },
    };
    // Registered before the first read, so a commit between the two is never missed.
    const set = this.waiters.get(k) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(k, set);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (woken) return true;
        const applied = await this.read(workspaceId, aggregateId);
        if (applied !== undefined && applied >= sequence) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(this.pollMs, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (woken) wake();
        });
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0 && this.waiters.get(k) === set) this.waiters.delete(k);
    }
  }

  /** Waiters registered now (tests, metrics). */
  get pending(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}

const key = (workspaceId: string, aggregateId: string): string => `${workspaceId}\u0000${aggregateId}`;
