import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, readUrl } from './env';

describe('readUrl', () => {
  it('names the variable, not the value, when the value is no URL (it may hold a password)', () => {
    assert.throws(
      () => readUrl({ DATABASE_URL: 'postgres//admin:S3cr3t-pw@db/idstream' }, 'DATABASE_URL', '', ['postgres:']),
      (error: unknown) => error instanceof ConfigError && /DATABASE_URL/.test(error.message) && !error.message.includes('S3cr3t'),
    );
  });
});
