import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, startNodeProcess, TestSystem, type AppName } from '@idstream/testing';
import { startSystemWithScan } from './helpers';

/**
 * Issue 2 end to end: the four apps boot as separate processes against the real broker and
 * database, answer their health checks, stop cleanly on SIGTERM, and refuse a bad
 * environment variable with one line naming it.
 */
describe('the system', () => {
  const system = new TestSystem();
  startSystemWithScan(system);

  it('runs four healthy apps, each ready with its dependencies up', async () => {
    const ports: Record<AppName, string> = {
      gateway: system.env.GATEWAY_PORT!,
      auth: system.env.AUTH_HTTP_PORT!,
      'profile-projector': system.env.PROJECTOR_HTTP_PORT!,
      'tracking-ingester': system.env.INGESTER_HTTP_PORT!,
    };
    for (const [app, port] of Object.entries(ports)) {
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      assert.equal(live.status, 200, `${app} live`);
      assert.ok(live.headers.get('x-request-id'), `${app} sets x-request-id`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      assert.equal(ready.status, 200, `${app} ready: ${JSON.stringify(body)}`);
      assert.equal(body.checks.kafka, 'up');
      if (app !== 'gateway') assert.equal(body.checks.database, 'up');
    }
  });

  it('keeps the caller`s x-request-id', async () => {
    const res = await system.http('GET', '/health/live', { headers: { 'x-request-id': 'trace-me-123' } });
    assert.equal(res.headers.get('x-request-id'), 'trace-me-123');
  });

  it('stops an app on SIGTERM with a clean exit', async () => {
    const code = await system.stopApp('tracking-ingester', 'SIGTERM');
    assert.ok(code === 0 || code === 'SIGTERM', `exit: ${String(code)}`);
    system.startApp('tracking-ingester');
    await system.waitReady(['tracking-ingester']);
  });

  for (const [app, variable, value] of [
    ['auth', 'AUTH_HTTP_PORT', 'eighty'],
    ['gateway', 'GATEWAY_REQUEST_TIMEOUT_MS', '-5'],
    ['profile-projector', 'DATABASE_URL', 'mysql://nope'],
    ['tracking-ingester', 'KAFKA_BROKERS', 'no port here'],
  ] as const) {
    it(`${app} refuses a bad ${variable} with one line naming it`, async () => {
      const db = await createTestDatabase('badenv');
      try {
        const proc = startNodeProcess(`apps/${app}/src/main.js`, {
          ...system.env,
          DATABASE_URL: db.url,
          [variable]: value,
          ...(variable === 'DATABASE_URL' ? { DATABASE_URL: value } : {}),
        });
        const code = await Promise.race([proc.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
        if (code === 'still running') await proc.stop('SIGKILL');
        assert.equal(code, 78, `exit code (output: ${proc.output.join(' | ')})`);
        assert.equal(proc.output.length, 1, `one line: ${proc.output.join(' | ')}`);
        assert.match(proc.output[0]!, new RegExp(`^${app}: Invalid environment variable ${variable}: `));
      } finally {
        await db.drop();
      }
    });
  }
});
