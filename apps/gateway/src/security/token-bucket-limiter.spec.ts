import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucketLimiter } from './token-bucket-limiter';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refuses with a Retry-After, then refills at the sustained rate', () => {
    const limiter = new TokenBucketLimiter(2, 3);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('ip', t0), { ok: true });
    assert.deepEqual(limiter.take('ip', t0), { ok: false, retryAfterSec: 1 });
    assert.deepEqual(limiter.take('ip', t0 + 499), { ok: false, retryAfterSec: 1 });
    assert.deepEqual(limiter.take('ip', t0 + 500), { ok: true });
    assert.deepEqual(limiter.take('other', t0 + 500), { ok: true }, 'each key has its own bucket');
  });

  it('computes the wait from the sustained rate', () => {
    const limiter = new TokenBucketLimiter(0.1, 1);
    assert.equal(limiter.take('ip', 0).ok, true);
    assert.deepEqual(limiter.take('ip', 0), { ok: false, retryAfterSec: 10 });
  });

  it('is off with a rate of 0', () => {
    const limiter = new TokenBucketLimiter(0, 1);
    for (let i = 0; i < 10; i++) assert.equal(limiter.take('ip', 0).ok, true);
    assert.equal(limiter.size, 0);
  });

  it('keeps memory bounded', () => {
    const limiter = new TokenBucketLimiter(1, 5, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`ip-${i}`, 0);
    assert.ok(limiter.size <= 100, `size ${limiter.size}`);
    // Full buckets are forgotten first: after the refill time, new keys push the old ones out.
    limiter.take('late', 10_000);
    assert.ok(limiter.size <= 100);
  });
});
