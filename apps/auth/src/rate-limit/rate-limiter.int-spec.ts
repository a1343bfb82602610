import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { authMigrations } from '../migrations/auth.migrations';
import { AuthRateLimiter } from './rate-limiter';

/** The sign-in, confirm and reset buckets on a real PostgreSQL (auth's schema and migrations). */
describe('auth RateLimiter', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let limiter: AuthRateLimiter;

  before(async () => {
    db = await createTestDatabase('ratelimit');
    dataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations });
    limiter = new AuthRateLimiter(dataSource);
  });

  after(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const limit = { max: 2, windowSeconds: 900 };
  const now = new Date('2026-01-05T10:00:00Z');

  it('keeps one address`s failures in one workspace from locking it out of another workspace', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}`;
    const [busy, other] = [`ws-${randomUUID()}`, `ws-${randomUUID()}`];
    // Ten times the per-email limit per address: 20 attempts, each with another email.
    for (let i = 0; i < 20; i++) {
      const attempt = await limiter.attemptPerEmailAndIp('sign-in', { workspaceId: busy, email: `u${i}@example.test`, ip }, limit, now);
      assert.equal(attempt.allowed, true, `attempt ${i}`);
    }
    const locked = await limiter.attemptPerEmailAndIp('sign-in', { workspaceId: busy, email: 'fresh@example.test', ip }, limit, now);
    assert.equal(locked.allowed, false, 'the address is held back in the busy workspace');
    const elsewhere = await limiter.attemptPerEmailAndIp('sign-in', { workspaceId: other, email: 'fresh@example.test', ip }, limit, now);
    assert.equal(elsewhere.allowed, true, 'the same address signs in to another workspace');
  });

  it('still limits each email in its workspace', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const target = { workspaceId, email: 'ada@example.test', ip: '198.51.100.250' };
    for (let i = 0; i < 2; i++) assert.equal((await limiter.attemptPerEmailAndIp('sign-in', target, limit, now)).allowed, true);
    const refused = await limiter.attemptPerEmailAndIp('sign-in', target, limit, now);
    assert.equal(refused.allowed, false);
    if (!refused.allowed) assert.ok(refused.retryAfter >= 1 && refused.retryAfter <= 900);
  });
});
