import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemError } from '../http/problem';
import { ADDRESS_CEILING_FACTOR, EdgeRateLimiter, apiKeyWorkspace } from './edge-rate-limiter.service';

const NOW = 1_750_000_000_000;
const limiter = (burst = 5) => new EdgeRateLimiter({ rateLimit: { perSecond: 1, burst } });

function refused(run: () => void): ProblemError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ProblemError);
    return error;
  }
  assert.fail('expected a 429');
}

describe('EdgeRateLimiter', () => {
  it('keeps one workspace`s burst from one address from locking that address out of another workspace', () => {
    const edge = limiter();
    for (let i = 0; i < 5; i++) edge.check('203.0.113.7', 'ws-a', NOW);
    assert.equal(refused(() => edge.check('203.0.113.7', 'ws-a', NOW)).code, 'RATE_LIMITED');
    edge.check('203.0.113.7', 'ws-b', NOW);
    edge.check('203.0.113.8', 'ws-a', NOW);
  });

  it('counts requests of no known workspace in the address`s own bucket', () => {
    const edge = limiter();
    for (let i = 0; i < 5; i++) edge.check('203.0.113.7', null, NOW);
    assert.ok(refused(() => edge.check('203.0.113.7', null, NOW)).extra.retryAfter! >= 1);
    edge.check('203.0.113.7', 'ws-a', NOW);
  });

  it('holds an address to a ceiling over all workspaces', () => {
    const edge = limiter();
    for (let i = 0; i < 5 * ADDRESS_CEILING_FACTOR; i++) edge.checkAddress('203.0.113.7', NOW);
    refused(() => edge.checkAddress('203.0.113.7', NOW));
    edge.checkAddress('203.0.113.9', NOW);
  });

  it('labels an API key by its hash, never the key itself', () => {
    const label = apiKeyWorkspace('ck_secret-client-key');
    assert.ok(label !== null && !label.includes('secret'));
    assert.equal(apiKeyWorkspace('ck_secret-client-key'), label);
    assert.equal(apiKeyWorkspace(undefined), null);
    assert.equal(apiKeyWorkspace(42), null);
  });
});
