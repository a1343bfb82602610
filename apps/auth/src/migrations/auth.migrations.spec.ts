import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authMigrations } from './auth.migrations';

/**
 * TypeORM records each applied migration by its name and runs every listed one whose name it has
 * not recorded, sorted by the 13-digit timestamp that ends the name. So a name, once released,
 * never changes (a renamed migration runs again), and a new migration takes a timestamp of its own.
 */
const TIMESTAMP = /(\d{13})$/;

/** Released with one timestamp (they touch different tables; see auth.migrations.ts): kept as they are. */
const RELEASED_TIES = new Set(['ActivationPins1764900000000', 'SigningKeyAlgorithms1764900000000']);

describe('auth migrations', () => {
  const names = authMigrations.map((migration) => new migration().name ?? '');

  it('are named after their class, with a timestamp at the end', () => {
    assert.deepEqual(
      names,
      authMigrations.map((migration) => migration.name),
    );
    for (const name of names) assert.match(name, TIMESTAMP, name);
  });

  it('are listed in the order of their timestamps', () => {
    const timestamps = names.map((name) => Number(TIMESTAMP.exec(name)![1]));
    assert.deepEqual(
      timestamps,
      [...timestamps].sort((a, b) => a - b),
    );
  });

  it('have timestamps of their own, but for the one pair released with the same', () => {
    const seen = new Map<string, string>();
    for (const name of names) {
      const timestamp = TIMESTAMP.exec(name)![1]!;
      const other = seen.get(timestamp);
      if (other !== undefined && !(RELEASED_TIES.has(name) && RELEASED_TIES.has(other)))
        assert.fail(`${name} has the timestamp of ${other}: give it one of its own`);
      seen.set(timestamp, name);
    }
  });
});
