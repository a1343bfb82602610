import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDatabaseUnavailable, isTransientDatabaseError } from './postgres-errors';

/** Shaped as pg (`code` on the error) and TypeORM (`driverError.code`) throw them. */
const pg = (code: string, message: string) => Object.assign(new Error(message), { code });
const typeorm = (code: string, message: string) => Object.assign(new Error(message), { driverError: { code } });

describe('database error classification', () => {
  it('calls an unreachable or refusing database unavailable (a 503, not a 500)', () => {
    for (const error of [
      pg('57P01', 'terminating connection due to administrator command'),
      typeorm('57P01', 'terminating connection due to administrator command'),
      pg('55000', 'database "idstream_x" is not currently accepting connections'),
      pg('57P03', 'the database system is starting up'),
      pg('53300', 'sorry, too many clients already'),
      pg('08006', 'connection failure'),
      new Error('Connection terminated unexpectedly'),
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      new Error('timeout exceeded when trying to connect'),
      // TypeORM, when a transaction's connection was cut under it (the fault suite's sign-in saw a 500).
      Object.assign(
        new Error(
          'Database connection provided by a query runner was already released, cannot continue to use its querying methods anymore.',
        ),
        { name: 'QueryRunnerProviderAlreadyReleasedError' },
      ),
    ]) {
      assert.equal(isDatabaseUnavailable(error), true, error.message);
      assert.equal(isTransientDatabaseError(error), true, error.message);
    }
  });

  it('keeps the request`s own errors apart: they are neither unavailable nor transient', () => {
    for (const error of [
      pg('23505', 'duplicate key value violates unique constraint'),
      pg('22P05', 'unsupported Unicode escape sequence'),
      pg('55000', 'cannot refresh materialized view concurrently'),
      new Error('something else'),
    ]) {
      assert.equal(isDatabaseUnavailable(error), false, error.message);
      assert.equal(isTransientDatabaseError(error), false, error.message);
    }
  });

  it('retries conflicts without calling them an outage', () => {
    assert.equal(isTransientDatabaseError(pg('40001', 'could not serialize access')), true);
    assert.equal(isDatabaseUnavailable(pg('40001', 'could not serialize access')), false);
  });
});
