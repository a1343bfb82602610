import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
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
  processRssMb,
  quantile,
  ratio,
  runBenchmark,
  type RoundCase,
  type RoundResult,
} from './bench.support';
import { gatewayClient, NO_FLOOD_GUARD } from './end-to-end.support';

/**
 * HTTP through the gateway: the real apps as separate processes (TestSystem: fresh database,
 * free ports), driven by a bounded loop of concurrent requests from this process on loopback.
 * GET /health/live is the framework's ceiling; POST /v1/auth/anonymous goes gateway → auth
 * (TCP) → PostgreSQL → Ed25519 signing and back. POST /v1/events (batches of 100) runs only
 * when BENCH_TRACKING_EVENTS=1: see the note where it is skipped.
 */

const HEALTH = 'GET /health/live';

const APPS: AppName[] = ['auth', 'gateway'];

/**
 * A bare node:http server in its own process answering what /health/live answers: the ceiling
 * of this machine and of this load generator, without Nest, Fastify or the gateway.
 */
async function startBareServer(): Promise<{ child: ChildProcess; url: string }> {
  const source = `require('node:http').createServer((req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end('{"status":"ok"}');
    }).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', source], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const [chunk] = (await once(child.stdout, 'data', { signal: AbortSignal.timeout(10_000) })) as [Buffer];
  return { child, url: `http://127.0.0.1:${chunk.toString().trim()}` };
}

runBenchmark('gateway-http', async (cleanup) => {
  const seconds = knob('BENCH_HTTP_SECONDS', 4);
  const concurrency = knob('BENCH_HTTP_CONCURRENCY', 32);
  const newDevices = knob('BENCH_HTTP_NEW_DEVICES', 500);
  const trackingRequests = knob('BENCH_TRACKING_REQUESTS', 300);
  const rounds = knob('BENCH_HTTP_ROUNDS', 4);
  heading(
    `HTTP through the gateway (${APPS.join(' + ')} as processes, ${concurrency} requests in flight, ${seconds} s per case in ${rounds} rounds)`,
    'POST /v1/auth/anonymous req/s and latency vs GET /health/live (the framework ceiling); POST /v1/events batches of 100 (opt-in)',
  );

  const system = new TestSystem();
  cleanup(() => system.stop());
  const startedAt = performance.now();
  await system.start(APPS, NO_FLOOD_GUARD);
  note(`system up in ${fmt((performance.now() - startedAt) / 1000, 1)} s`);
  const base = system.gatewayUrl;
  const apiKey = system.clientApiKey;

  const client = gatewayClient(base, concurrency);
  cleanup(() => Promise.resolve(client.close()));
  const { request } = client;
  const anonymous = async (uuid?: string) =>
    (await request('POST', '/v1/auth/anonymous', uuid ? { apiKey, uuid } : { apiKey })) as { token: string; uuid: string };

  // Warm-up: connections, JIT, the first workspace and key lookups.
  await boundedLoop({ count: 200, seconds: 10, concurrency }, () => request('GET', '/health/live'));
  await boundedLoop({ count: 50, seconds: 10, concurrency: 4 }, () => anonymous());

  const bare = await startBareServer();
  cleanup(async () => {
    if (bare.child.exitCode !== null || bare.child.signalCode !== null) return;
    bare.child.kill();
    await once(bare.child, 'exit');
  });
  await boundedLoop({ count: 200, seconds: 10, concurrency }, () => client.call(bare.url));

  const pids = new Map(APPS.map((app) => [app, system.processes.get(app)?.child.pid]));
  // CPU of [gateway, auth] for the system's cases, of the bare server for its own.
  const systemCpu = () => [processCpuMs(pids.get('gateway')), processCpuMs(pids.get('auth'))];
  const bareCpu = () => [processCpuMs(bare.child.pid), undefined];
  const known: string[] = [];
  const cases: (RoundCase & { units: number })[] = [
    {
      name: 'bare node:http, same body (machine ceiling)',
      count: 1_000_000,
      units: 1,
      serverCpuMs: bareCpu,
      task: async () => {
        const res = await client.call(bare.url);
        if (res.status !== 200) throw new Error(`bare server: ${res.status}`);
      },
    },
    { name: HEALTH, count: 1_000_000, units: 1, serverCpuMs: systemCpu, task: () => request('GET', '/health/live') },
    // A first visit records AnonymousClientCreated (auth's outbox → identity.events); bounded in
    // count because identity.events is the shared, kept-forever topic every projector replays.
    {
      name: 'POST /v1/auth/anonymous, new device',
      count: newDevices,
      units: 1,
      serverCpuMs: systemCpu,
      task: async () => {
        const { uuid } = await anonymous();
        if (known.length < 256) known.push(uuid);
      },
    },
    // A returning device (the SDK keeps its uuid): the same path, and no event to write.
    {
      name: 'POST /v1/auth/anonymous, returning device',
      count: 1_000_000,
      units: 1,
      serverCpuMs: systemCpu,
      task: (i) => anonymous(known[i % known.length] ?? randomUUID()),
    },
  ];
  if (process.env.BENCH_TRACKING_EVENTS === '1') {
    const { token } = await anonymous();
    const batch = () => ({
      sentAt: new Date().toISOString(),
      events: Array.from({ length: 100 }, (_, n) => ({
        id: randomUUID(),
        type: 'bench.screen-view',
        occurredAt: new Date().toISOString(),
        label: 'home',
        params: { n, source: 'bench' },
      })),
    });
    cases.push({
      name: 'POST /v1/events, 100 events per request',
      count: trackingRequests,
      units: 100,
      serverCpuMs: systemCpu,
      task: async () => {
        const answer = (await request('POST', '/v1/events', batch(), token)) as { accepted: number };
        if (answer.accepted !== 100) throw new Error(`accepted ${answer.accepted} of 100`);
      },
    });
  } else {
    note(
      'POST /v1/events skipped: the gateway writes the shared tracking.raw topic, which every ingester test group replays from offset 0; ' +
        'run with BENCH_TRACKING_EVENTS=1 on a broker you can reset (docs/benchmarks.md)',
    );
  }

  const rssBefore = new Map(APPS.map((app) => [app, processRssMb(pids.get(app))]));
  const results = await inRounds(
    cases.map((c) => ({ ...c, concurrency })),
    rounds,
    seconds,
    knob('BENCH_HTTP_SETTLE_MS', 300),
  );
  const rssAfter = new Map(APPS.map((app) => [app, processRssMb(pids.get(app))]));

  const health = results.find((r) => r.name === HEALTH);
  const perRequest = (cpu: number | undefined, r: RoundResult) => (cpu === undefined ? undefined : cpu / (r.total.done - r.total.failed));
  const cpuPerRequest = (r: RoundResult) => {
    const [first, second] = r.serverCpuMs ?? [];
    return first === undefined ? undefined : perRequest(first + (second ?? 0), r);
  };
  printTable(
    `Gateway at ${base}`,
    [
      'case',
      'requests',
      'failed',
      'req/s',
      'events/s',
      'p50 ms',
      'p99 ms',
      'CPU ms/req: gateway',
      'auth',
      'req/s vs live',
      'CPU/req vs live',
    ],
    results.map((r, i) => {
      const { name, total, medianPerSecond } = r;
      if (total.failed > 0) note(`${name}: ${total.failed} of ${total.done} failed, first: ${total.firstError}`);
      const units = cases[i]!.units;
      const [gatewayCpu, authCpu] = r.serverCpuMs ?? [];
      return [
        name + (total.stoppedBy === 'count' ? ' (count bound)' : ''),
        fmt(total.done, 0),
        fmt(total.failed, 0),
        fmt(medianPerSecond, 0),
        units > 1 ? fmt(medianPerSecond * units, 0) : '',
        fmt(quantile(total.latencies, 0.5), 1),
        fmt(quantile(total.latencies, 0.99), 1),
        fmt(perRequest(gatewayCpu, r), 3),
        authCpu === undefined ? '' : fmt(perRequest(authCpu, r), 3),
        ratio(medianPerSecond, health?.medianPerSecond),
        health ? ratio(cpuPerRequest(r), cpuPerRequest(health)) : 'n/a',
      ];
    }),
    [
      `req/s: the median of ${rounds} rounds, the cases taking turns; the load generator runs in this process on the same cores as the apps, PostgreSQL and Kafka`,
      'CPU ms/req: user + system time of each process per answered request (the bare server in the gateway column); PostgreSQL and Kafka not counted',
      'CPU/req vs live: how many times the CPU of /health/live (gateway + auth) a request costs',
      ...APPS.map((app) => `${app} RSS: ${fmt(rssBefore.get(app), 0)} -> ${fmt(rssAfter.get(app), 0)} MiB`),
    ],
  );
});
