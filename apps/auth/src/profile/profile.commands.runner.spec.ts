import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource, EntityManager } from 'typeorm';
import { readAuthConfig } from '../config/auth.config';
import { ConcurrencyConflict } from '../event-store/event-store';
import { ProfileCommands } from './profile.commands.runner';
import { Refused } from './refused';

/** A connection whose transactions just run the work: the work itself plays the writer of another replica. */
function commandsOver(): ProfileCommands {
  const dataSource = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work({} as EntityManager) };
  return new ProfileCommands(
    dataSource as unknown as DataSource,
    readAuthConfig({
      IDSTREAM_MASTER_KEYS: `test:${randomBytes(32).toString('base64')}`,
      IDSTREAM_KEY_SERVICE_SECRET: randomBytes(32).toString('base64url'),
    }),
  );
}

describe('ProfileCommands.transaction', () => {
  it('retries a lost race and returns the work of the attempt that won', async () => {
    let attempts = 0;
    const result = await commandsOver().transaction(async () => {
      if (++attempts < 3) throw new ConcurrencyConflict('p1');
      return 'written';
    });
    assert.equal(result, 'written');
    assert.equal(attempts, 3);
  });

  it('answers CONCURRENT_WRITE with Retry-After, not a fault, when every retry lost the race', async () => {
    let attempts = 0;
    const result = await commandsOver().transaction(async () => {
      attempts++;
      throw new ConcurrencyConflict('p1');
    });
    assert.ok(result instanceof Refused);
    assert.equal(result.error.code, 'CONCURRENT_WRITE');
    assert.equal(result.error.retryAfter, 1);
    assert.equal(attempts, 5);
  });

  it('lets any other error through', async () => {
    await assert.rejects(
      commandsOver().transaction(async () => {
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
  });
});
