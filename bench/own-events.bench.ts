import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TestSystem, type AppName } from '@idstream/testing';
import {
  boundedLoop,
  fmt,
  heading,
  inRounds,
  knob,
  note,
  printTable,
  processCpuMs,
  quantile,
  ratio,
  runBenchmark,
  type RoundCase,
} from './bench.support';
import { gatewayClient, NO_FLOOD_GUARD } from './end-to-end.support';

/**
 * A customer's own events and token introspection through the gateway (TestSystem: auth, the
 * projector and the gateway as processes). The profile's history is seeded straight into the
 * own-events store with SQL (100,000 events over 90 days, in the store's week partitions): the
 * figure is the query, not the ingestion. `BENCH_OWN_EVENTS` lowers the count for a smoke run.
 */

const HEALTH = 'GET /health/live';
const APPS: AppName[] = ['auth', 'profile-projector', 'gateway'];
const DAY_MS = 86_400_000;
const TYPES = ['screen_view', 'tap', 'search', 'add_to_cart', 'purchase', 'share', 'login', 'scroll', 'video_play', 'rate'];

/**
 * Fills the profile's history: `count` events spread evenly over the last 90 days, 1% of them
 * sent by the device while anonymous (they join the profile through its merge), in the week
 * partitions the projector would create (as apps/profile-projector/src/own-events/partition-weeks.ts names them).
 */
async function seed(db: Client, workspaceId: string, profileId: string, deviceUuid: string, count: number): Promise<void> {
  const now = Date.now();
  // Monday-to-Monday UTC weeks, as the projector's maintenance creates them.
  const firstMonday = 4 * DAY_MS;
  const week = 7 * DAY_MS;
  for (let start = Math.floor((now - 91 * DAY_MS - firstMonday) / week) * week + firstMonday; start <= now; start += week) {
    const name = `events_${new Date(start).toISOString().slice(0, 10).replaceAll('-', '')}`;
    await db.query(
      `CREATE TABLE IF NOT EXISTS own_events."${name}" PARTITION OF own_events.events
         FOR VALUES FROM ('${new Date(start).toISOString()}') TO ('${new Date(start + week).toISOString()}')`,
    );
  }
  await db.query(
    `INSERT INTO own_events.events (workspace_id, device_uuid, event_id, occurred_at, profile_id, envelope_id, event_type, label, params, received_at)
     SELECT $1, $3, gen_random_uuid()::text, t, CASE WHEN i % 100 = 0 THEN NULL ELSE $2 END, gen_random_uuid()::text,
            ($5::text[])[1 + i % 10], CASE WHEN i % 3 = 0 THEN 'home' END, jsonb_build_object('n', i, 'source', 'bench'), t
       FROM generate_series(1, $4::int) AS i,
            LATERAL (SELECT now() - make_interval(secs => (i::float8 / $4) * 89.9 * 86400)) AS x(t)`,
    [workspaceId, profileId, deviceUuid, count, TYPES],
  );
  await db.query('ANALYZE own_events.events');
}

runBenchmark('own-events', async (cleanup) => {
  const events = knob('BENCH_OWN_EVENTS', 100_000);
  const seconds = knob('BENCH_OWN_EVENTS_SECONDS', 4);
  const rounds = knob('BENCH_HTTP_ROUNDS', 4);
  const latencyConcurrency = knob('BENCH_OWN_EVENTS_CONCURRENCY', 4);
  const throughputConcurrency = knob('BENCH_HTTP_CONCURRENCY', 32);
  heading(
    `Own events and introspection through the gateway (${APPS.join(' + ')} as processes, ${fmt(events, 0)} events over 90 days, ${seconds} s per case in ${rounds} rounds)`,
    'GET /v1/account/events p50/p99 (page of 100; target p99 <= 50 ms); POST /v1/backend/tokens/introspect req/s vs GET /health/live (target >= 5,000 req/s)',
  );
  const system = new TestSystem();
  cleanup(() => system.stop());
  await system.start(APPS, NO_FLOOD_GUARD);
  const base = system.gatewayUrl;
  const client = gatewayClient(base, throughputConcurrency);
  cleanup(() => Promise.resolve(client.close()));
  const { request } = client;

  // A customer whose device has an anonymous past (so the query's merge branch has work).
  const device = (await request('POST', '/v1/auth/anonymous', { apiKey: system.clientApiKey, uuid: randomUUID() })) as {
    token: string;
    uuid: string;
  };
  const email = `bench.${randomUUID().slice(0, 8)}@example.test`;
  await request('POST', '/v1/accounts', { email, password: 'Str0ng!pass' }, device.token);
  const signIn = (await request('POST', '/v1/auth/sign-in', { email, password: 'Str0ng!pass' }, device.token)) as {
    token: string;
    profileId: string;
  };
  const workspaceId = (JSON.parse(Buffer.from(signIn.token.split('.')[1]!, 'base64url').toString()) as { aud: string }).aud;

  const db = new Client({ connectionString: system.env.DATABASE_URL });
  await db.connect();
  cleanup(() => db.end());
  const seededAt = performance.now();
  await seed(db, workspaceId, signIn.profileId, device.uuid, events);
  note(`seeded ${fmt(events, 0)} events in ${fmt((performance.now() - seededAt) / 1000, 1)} s`);

  // The longest window there is, taken anew per request (a fixed one would grow past 90 days while the benchmark runs).
  const from = () => encodeURIComponent(new Date(Date.now() - 90 * DAY_MS + 60_000).toISOString());
  const pageOf = (limit: number) => `/v1/account/events?from=${from()}&limit=${limit}`;
  // The profile's merge is projected asynchronously: wait until the anonymous history shows.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = (await request('GET', pageOf(500), undefined, signIn.token)) as { items: unknown[] };
    if (page.items.length === 500 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Cursors spread over the whole history, for pages at every depth.
  const cursors: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await request('GET', `${pageOf(500)}${cursor ? `&cursor=${cursor}` : ''}`, undefined, signIn.token)) as {
      items: unknown[];
      nextCursor?: string;
    };
    cursor = page.nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor && cursors.length < 1000);
  note(`${cursors.length} cursors collected by walking the history 500 at a time`);

  const customerToken = signIn.token;
  const introspectBody = { token: customerToken };
  await boundedLoop({ count: 300, seconds: 10, concurrency: latencyConcurrency }, () =>
    request('GET', pageOf(100), undefined, customerToken),
  );
  await boundedLoop({ count: 300, seconds: 10, concurrency: throughputConcurrency }, () =>
    request('POST', '/v1/backend/tokens/introspect', introspectBody, system.serverKey),
  );

  const gatewayPid = system.processes.get('gateway')?.child.pid;
  const projectorPid = system.processes.get('profile-projector')?.child.pid;
  const cpu = () => [processCpuMs(gatewayPid), processCpuMs(projectorPid)];
  const page = (items: unknown) => {
    if (!Array.isArray((items as { items?: unknown }).items) || (items as { items: unknown[] }).items.length === 0)
      throw new Error('empty page');
  };
  const cases: RoundCase[] = [
    { name: HEALTH, count: 1_000_000, concurrency: throughputConcurrency, serverCpuMs: cpu, task: () => request('GET', '/health/live') },
    {
      name: 'POST /v1/backend/tokens/introspect',
      count: 1_000_000,
      concurrency: throughputConcurrency,
      serverCpuMs: cpu,
      task: async () => {
        const answer = (await request('POST', '/v1/backend/tokens/introspect', introspectBody, system.serverKey)) as { active: boolean };
        if (!answer.active) throw new Error('introspection said inactive');
      },
    },
    {
      name: `GET /v1/account/events, newest page of 100 (${latencyConcurrency} in flight)`,
      count: 1_000_000,
      concurrency: latencyConcurrency,
      serverCpuMs: cpu,
      task: async () => page(await request('GET', pageOf(100), undefined, customerToken)),
    },
    {
      name: `GET /v1/account/events, page of 100 at a random depth (${latencyConcurrency} in flight)`,
      count: 1_000_000,
      concurrency: latencyConcurrency,
      serverCpuMs: cpu,
      task: async (i) =>
        page(
          await request(
            'GET',
            `${pageOf(100)}&cursor=${cursors[(i * 7919) % Math.max(1, cursors.length)] ?? ''}`,
            undefined,
            customerToken,
          ),
        ),
    },
    {
      name: `GET /v1/account/events, one type of 10, page of 100 (${latencyConcurrency} in flight)`,
      count: 1_000_000,
      concurrency: latencyConcurrency,
      serverCpuMs: cpu,
      task: async () => page(await request('GET', `${pageOf(100)}&types=purchase`, undefined, customerToken)),
    },
  ];
  const results = await inRounds(cases, rounds, seconds, 300);
  const health = results.find((r) => r.name === HEALTH);
  printTable(
    `Gateway at ${base}`,
    ['case', 'requests', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req: gateway', 'projector', 'req/s vs live'],
    results.map(({ name, total, medianPerSecond, serverCpuMs }) => {
      if (total.failed > 0) note(`${name}: ${total.failed} of ${total.done} failed, first: ${total.firstError}`);
      const answered = total.done - total.failed;
      const [gatewayCpu, projectorCpu] = serverCpuMs ?? [];
      return [
        name,
        fmt(total.done, 0),
        fmt(total.failed, 0),
        fmt(medianPerSecond, 0),
        fmt(quantile(total.latencies, 0.5), 1),
        fmt(quantile(total.latencies, 0.99), 1),
        gatewayCpu === undefined ? 'n/a' : fmt(gatewayCpu / answered, 3),
        projectorCpu === undefined ? 'n/a' : fmt(projectorCpu / answered, 3),
        ratio(medianPerSecond, health?.medianPerSecond),
      ];
    }),
    [
      `req/s: the median of ${rounds} rounds; the load generator shares the cores with the apps, PostgreSQL and Kafka`,
      'the events pages go gateway -> projector (TCP) -> PostgreSQL; introspection stays in the gateway (keys and revocations in memory)',
    ],
  );
});
