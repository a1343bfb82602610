/**
 * Where the SDK keeps the device uuid, its tokens and the event queue. The shape of React
 * Native's AsyncStorage (and of a browser's localStorage, whose methods simply return at once).
 */
export interface KeyValueStorage {
  getItem(key: string): Promise<string | null> | string | null;
  setItem(key: string, value: string): Promise<void> | void;
  removeItem(key: string): Promise<void> | void;
}

/** Kept in this process only: a reload starts afresh. The default where no other storage exists. */
export function memoryStorage(): KeyValueStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const webAdapters = new WeakMap<WebStorage, KeyValueStorage>();

/**
 * The browser's `localStorage` (or another Web Storage object). One adapter per storage object,
 * so that two SDK instances of one page share the in-process lock of document-store.ts.
 */
export function localStorageAdapter(storage?: WebStorage): KeyValueStorage {
  const target = storage ?? (globalThis as { localStorage?: WebStorage }).localStorage;
  if (!target) throw new Error('@idstream/sdk: no localStorage here; pass a storage to Idstream.init');
  let adapter = webAdapters.get(target);
  if (!adapter) {
    adapter = {
      getItem: (key) => target.getItem(key),
      setItem: (key, value) => target.setItem(key, value),
      removeItem: (key) => target.removeItem(key),
    };
    webAdapters.set(target, adapter);
  }
  return adapter;
}

/** Any async key-value store with AsyncStorage's three methods (React Native's AsyncStorage itself fits). */
export function asyncKeyValueStorage(store: {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}): KeyValueStorage {
  return {
    getItem: (key) => store.getItem(key),
    setItem: (key, value) => store.setItem(key, value),
    removeItem: (key) => store.removeItem(key),
  };
}
