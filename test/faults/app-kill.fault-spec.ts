import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestSystem, TopicReader, testKafka, waitFor, type AppName } from '@idstream/testing';
import { miscounted, tally, waitAllArrived } from './counted';
import { projectedCustomers } from './database';
import { report, saveLogs } from './fault-report';
import { SteadyLoad, sleep } from './steady-load';

const APPS: AppName[] = ['auth', 'profile-projector', 'tracking-ingester', 'gateway'];

/**
 * Issue 9, faults: each app in turn is killed with SIGKILL while the load runs, and started
 * again. Read models (the projector's profiles) and the accepted stream (tracking.events)
 * converge to exactly what the clients were told was accepted: nothing lost, nothing doubled.
 * The finer cases (a kill inside one batch, offsets ahead of checkpoints) are the
 * IdempotentConsumer, projector and ingester integration tests; this one is the whole system.
 */
describe('faults: every app killed with SIGKILL mid-stream and restarted', () => {
  const system = new TestSystem();
  const kafka = testKafka('fault-kill');
  let identity: TopicReader;
  let tracking: TopicReader;

  before(async () => {
    await system.start();
    identity = await new TopicReader(kafka, system.topics.identityEvents).start();
    tracking = await new TopicReader(kafka, system.topics.trackingEvents).start();
  });

  after(async () => {
    try {
      saveLogs('app-kill', system.processes);
      // Issue 9: no password, hash, token or one-time code of this run in any log line or message.
      await system.assertNoSecretsLeaked();
    } finally {
      await Promise.allSettled([identity?.stop(), tracking?.stop()]);
      await system.stop();
    }
  });

  it('converges to exact counts in the read model and on tracking.events', async () => {
    const load = new SteadyLoad(system, { clients: 2, batchesPerCustomer: 2, eventsPerBatch: 5, pauseMs: 100 }).start();
    const windows: { app: AppName; from: number; to: number }[] = [];
    for (const app of APPS) {
      await load.progress(10, `load before killing ${app}`);
      const from = Date.now();
      assert.equal(await system.stopApp(app, 'SIGKILL'), 'SIGKILL', `${app} was killed`);
      await sleep(1000);
      system.startApp(app);
      await system.waitReady([app], 90_000);
      windows.push({ app, from, to: Date.now() });
    }
    await load.progress(10, 'events accepted after the last restart');
    await load.stop();

    // While the gateway is down nobody answers (status 0); otherwise only successes and 503s.
    const gateway = windows.find((w) => w.app === 'gateway')!;
    const unexpected = load.unexpected().filter((a) => !(a.status === 0 && a.endedAt >= gateway.from && a.startedAt <= gateway.to));
    assert.deepEqual(unexpected, [], `only successes and 503 with Retry-After: ${JSON.stringify(unexpected.slice(0, 5))}`);

    await waitAllArrived(identity, tracking, load.accepted);
    const expected = new Set(load.accepted.profiles);
    await waitFor(async () => (await projectedCustomers(system.env.DATABASE_URL!)).size >= expected.size, {
      timeoutMs: 90_000,
      what: 'the projector caught up',
    });
    await sleep(2000); // a late duplicate would come now
    const t = tally(identity.messages, tracking.messages);
    assert.deepEqual(miscounted(t, load.accepted), { registered: [], opened: [], tracked: [], doubled: [] });
    const projected = await projectedCustomers(system.env.DATABASE_URL!);
    assert.deepEqual([...projected.keys()].sort(), [...expected].sort(), 'the read model holds exactly the registered customers');
    assert.ok(
      [...projected.values()].every((n) => n === 1),
      'one row per customer',
    );

    report('SIGKILL of each app mid-stream (auth, projector, ingester, gateway)', {
      cases: load.answers.length,
      outcome:
        `4 kills and restarts; ${expected.size} customers in the read model, ${load.accepted.events.length} events on ` +
        `tracking.events, each exactly once; ${load.count('register', (a) => a.status === 503 || a.status === 0)} registrations ` +
        `and ${load.count('track', (a) => a.status === 503 || a.status === 0)} batches retried; ${t.republished} identity ` +
        `envelopes re-published by the relay, skipped by id`,
    });
  });
});
