import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DocumentStore } from './document-store';
import { fileStorage } from './file-storage';
import { asyncKeyValueStorage, memoryStorage } from './storage';

describe('document store', () => {
  it('two instances on one async storage lose no update (100 racing increments)', async () => {
    const items = new Map<string, string>();
    const slow = () => new Promise<void>((resolve) => setImmediate(resolve));
    const storage = asyncKeyValueStorage({
      getItem: async (k) => (await slow(), items.get(k) ?? null),
      setItem: async (k, v) => void (await slow(), items.set(k, v)),
      removeItem: async (k) => void (await slow(), items.delete(k)),
    });
    const a = new DocumentStore(storage, 'p.');
    const b = new DocumentStore(storage, 'p.');
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).update('n', { count: 0 }, (d) => ({ count: d.count + 1 }))));
    assert.equal((await a.read('n', { count: 0 })).count, 100);
  });

  it('a damaged document reads as the initial value and is replaced by the next write', async () => {
    const storage = memoryStorage();
    await storage.setItem('p.doc', '{not json');
    const store = new DocumentStore(storage, 'p.');
    assert.deepEqual(await store.read('doc', { x: 1 }), { x: 1 });
    await store.update('doc', { x: 1 }, (d) => ({ x: d.x + 1 }));
    assert.deepEqual(await store.read('doc', { x: 0 }), { x: 2 });
  });

  it('file storage keeps documents across instances (a restarted Node process)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'idstream-sdk-'));
    try {
      const file = path.join(dir, 'state.json');
      await new DocumentStore(fileStorage(file), 'p.').update('doc', { n: 0 }, () => ({ n: 7 }));
      assert.deepEqual(await new DocumentStore(fileStorage(file), 'p.').read('doc', { n: 0 }), { n: 7 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
