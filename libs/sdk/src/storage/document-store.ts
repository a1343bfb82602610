import type { KeyValueStorage } from './storage';

interface Versioned<T> {
  /** Bumped by every write: a writer never replaces a version it did not read. */
  v: number;
  d: T;
}

/** Per storage object, the tail of each key's chain of updates: one update at a time in this process. */
const chains = new WeakMap<object, Map<string, Promise<unknown>>>();

const MAX_ATTEMPTS = 10;

/**
 * The SDK's persisted state: a few JSON documents, each under one key with a version. Two SDK
 * instances on one storage do not fight: in one process, updates of a key are chained (a lock);
 * across processes or tabs, an update re-reads the version just before writing and starts over
 * on the fresh document when someone else wrote in between (a versioned write).
 */
export class DocumentStore {
  /** The last text read or written per key, with its parse: an unchanged document is not parsed again. */
  private readonly parsed = new Map<string, { raw: string; value: Versioned<unknown> }>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix: string,
  ) {}

  async read<T>(name: string, initial: T): Promise<T> {
    return (await this.load<T>(name))?.d ?? initial;
  }

  /**
   * Applies `change` to the current document and stores the result; returns it. `change` must
   * not modify its argument (it may be the cached document): it returns a new one.
   */
  async update<T>(name: string, initial: T, change: (current: T) => T): Promise<T> {
    return this.serialized(name, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.load<T>(name);
        const version = current?.v ?? 0;
        const next = change(current?.d ?? initial);
        const again = await this.load<T>(name);
        if ((again?.v ?? 0) !== version && attempt < MAX_ATTEMPTS) continue;
        const written: Versioned<T> = { v: version + 1, d: next };
        const raw = JSON.stringify(written);
        await this.storage.setItem(this.key(name), raw);
        this.parsed.set(this.key(name), { raw, value: written });
        return next;
      }
    });
  }

  async remove(name: string): Promise<void> {
    await this.serialized(name, async () => this.storage.removeItem(this.key(name)));
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  private async load<T>(name: string): Promise<Versioned<T> | null> {
    const key = this.key(name);
    const raw = await this.storage.getItem(key);
    if (raw === null) return null;
    const cached = this.parsed.get(key);
    if (cached && cached.raw === raw) return cached.value as Versioned<T>;
    try {
      const parsed = JSON.parse(raw) as Versioned<T>;
      if (typeof parsed !== 'object' || parsed === null || typeof parsed.v !== 'number') return null;
      this.parsed.set(key, { raw, value: parsed });
      return parsed;
    } catch {
      return null; // a damaged document is replaced by the next write
    }
  }

  private serialized<R>(name: string, work: () => Promise<R>): Promise<R> {
    let byKey = chains.get(this.storage);
    if (!byKey) chains.set(this.storage, (byKey = new Map<string, Promise<unknown>>()));
    const key = this.key(name);
    const previous = byKey.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    byKey.set(key, tail);
    void tail.then(() => {
      if (byKey.get(key) === tail) byKey.delete(key);
    });
    return result;
  }
}
