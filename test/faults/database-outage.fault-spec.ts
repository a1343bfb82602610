import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestSystem, TopicReader, testKafka, waitFor, type AppName } from '@idstream/testing';
import { miscounted, tally, waitAllArrived } from './counted';
import { allowConnections, projectedCustomers, terminateConnections } from './database';
import { report, saveLogs } from './fault-report';
import { SteadyLoad, sleep } from './steady-load';

const WITH_DATABASE: AppName[] = ['auth', 'profile-projector', 'tracking-ingester'];

/**
 * Issue 9, faults: PostgreSQL drops every connection of the apps (pg_terminate_backend), once
 * and then for a while (new connections refused meanwhile). Readiness says 503 while the
 * database is gone; every app recovers without a restart: requests succeed again and what was
 * accepted converges, exactly once.
 */
describe('faults: PostgreSQL connections dropped', () => {
  const system = new TestSystem();
  const kafka = testKafka('fault-db');
  let identity: TopicReader;
  let tracking: TopicReader;
  const ready = async (app: AppName) => {
    const port = {
      auth: 'AUTH_HTTP_PORT',
      'profile-projector': 'PROJECTOR_HTTP_PORT',
      'tracking-ingester': 'INGESTER_HTTP_PORT',
      gateway: 'GATEWAY_PORT',
    }[app];
    const res = await fetch(`http://127.0.0.1:${system.env[port]}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };

  before(async () => {
    await system.start();
    identity = await new TopicReader(kafka, system.topics.identityEvents).start();
    tracking = await new TopicReader(kafka, system.topics.trackingEvents).start();
  });

  after(async () => {
    try {
      saveLogs('database-outage', system.processes);
      // Issue 9: no password, hash, token or one-time code of this run in any log line or message.
      await system.assertNoSecretsLeaked();
    } finally {
      await allowConnections(system.env.DATABASE_URL!, true).catch(() => undefined);
      await Promise.allSettled([identity?.stop(), tracking?.stop()]);
      await system.stop();
    }
  });

  it('readiness goes 503 while the database is gone, and every app recovers without a restart', async () => {
    const url = system.env.DATABASE_URL!;
    const load = new SteadyLoad(system, { clients: 2, batchesPerCustomer: 2, eventsPerBatch: 5, pauseMs: 100 }).start();
    const progress = (what: string) => load.progress(20, what);
    await progress('load before the faults');

    // Once: every connection cut, new ones allowed at once.
    const cut = await terminateConnections(url);
    assert.ok(cut > 0, 'the apps had connections to cut');
    await progress('load after the connections were cut');

    // For a while: no new connection accepted, every existing one cut.
    const downAt = Date.now();
    await allowConnections(url, false);
    await terminateConnections(url);
    for (const app of WITH_DATABASE) {
      await waitFor(async () => (await ready(app)).status === 503, { timeoutMs: 30_000, what: `${app} not ready without its database` });
      assert.equal((await ready(app)).body.checks.database, 'down', `${app} names the database`);
    }
    // A backend read of the projector's model is refused the same way, not failed.
    const query = await system.http('GET', `/v1/backend/profiles/${load.accepted.profiles[0]}`, {
      headers: { authorization: `Bearer ${system.serverKey}` },
    });
    assert.equal(query.status, 503, `a profile query without the database: ${JSON.stringify(query.body)}`);
    assert.ok(query.headers.get('retry-after'), 'with Retry-After');
    await sleep(4000);
    await allowConnections(url, true);
    const upAt = Date.now();
    for (const app of WITH_DATABASE) {
      await waitFor(async () => (await ready(app)).status === 200, { timeoutMs: 60_000, what: `${app} ready again` });
    }
    await progress('load after the database came back');
    await load.stop();

    const unexpected = load.unexpected();
    assert.deepEqual(unexpected, [], `only successes and 503 with Retry-After: ${JSON.stringify(unexpected.slice(0, 5))}`);
    await waitAllArrived(identity, tracking, load.accepted);
    const expected = new Set(load.accepted.profiles);
    await waitFor(async () => (await projectedCustomers(url)).size >= expected.size, {
      timeoutMs: 90_000,
      what: 'the projector caught up',
    });
    await sleep(2000);
    const t = tally(identity.messages, tracking.messages);
    assert.deepEqual(miscounted(t, load.accepted), { registered: [], opened: [], tracked: [], doubled: [] });
    const projected = await projectedCustomers(url);
    assert.deepEqual([...projected.keys()].sort(), [...expected].sort(), 'the read model holds exactly the registered customers');

    const inOutage = load.answers.filter((a) => a.endedAt > downAt && a.startedAt < upAt);
    report('PostgreSQL connections dropped (pg_terminate_backend), once and for a while', {
      cases: load.answers.length,
      outcome:
        `${cut} connections cut, then ${Math.round((upAt - downAt) / 1000)} s without the database: auth, projector and ` +
        `ingester readiness 503 (database down) and 200 again without a restart; ${inOutage.filter((a) => a.status === 503).length} ` +
        `answers 503 with Retry-After, 0 other failures; ${expected.size} customers and ${load.accepted.events.length} events ` +
        `each exactly once`,
    });
  });
});
