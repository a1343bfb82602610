import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

// The gateway owns nothing durable: loading its whole module graph (every lib barrel it
// imports) must load no database driver, no ORM and no libs/persistence.
describe('gateway boundaries', () => {
  it('loads no database code', async () => {
    await import('./gateway.module');
    const loaded = Object.keys(require.cache);
    assert.ok(
      loaded.some((file) => file.includes('gateway.module')),
      'the gateway module was loaded',
    );
    const database = loaded.filter((file) =>
      /[\\/]node_modules[\\/](typeorm|pg|pg-[a-z-]+)[\\/]|[\\/]libs[\\/]persistence[\\/]/.test(file),
    );
    assert.deepEqual(database, []);
  });
});
