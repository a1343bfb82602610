import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestSystem, testKafka } from '@idstream/testing';
import { deleteTopics, fmt, heading, knob, printTable, recordFigure, runBenchmark } from './bench.support';
import { mergeRounds, profilingEnv, runLoad, SMOKE, type LoadResult } from './end-to-end.support';

/**
 * The cost of metrics and tracing: the same routes on two systems started side by side, one
 * exporting traces (OTEL_TRACES_SAMPLER_ARG=0.1) to a local OTLP sink that only counts, one
 * without an endpoint (no-op tracer); both serve /metrics, which is always on. After a warm-up
 * of each, the load runs in many short pairs, off and on back to back (ABBA order), so that a
 * neighbour's burst on a shared machine hits one pair, not one system. The figure: the median
 * over the pairs of on / off throughput (target ≥ 0.95); the spread of the pairs is printed.
 */
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * CPU seconds (user + system) the system's processes have used so far, from /proc: CPU per
 * answer barely depends on how busy the machine is, unlike answers per second.
 */
function cpuSeconds(system: TestSystem): number {
  let ticks = 0;
  for (const running of system.processes.values()) {
    const stat = readFileSync(`/proc/${running.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  }
  return ticks / 100; // USER_HZ
}

async function startSink(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function signedIn(system: TestSystem): Promise<{ customer: string; device: string }> {
  const anon = await system.http<{ token: string }>('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey } });
  const email = `bench.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = 'Str0ng!pass-bench';
  const reg = await system.http('POST', '/v1/accounts', { token: anon.body.token, body: { email, password } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  const signIn = await system.http<{ token: string }>('POST', '/v1/auth/sign-in', { token: anon.body.token, body: { email, password } });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status}`);
  return { customer: signIn.body.token, device: anon.body.token };
}

runBenchmark(
  'observability',
  async (cleanup) => {
    const seconds = SMOKE ? 1 : knob('BENCH_OBSERVABILITY_SECONDS', 4);
    const pairs = SMOKE ? 1 : knob('BENCH_OBSERVABILITY_PAIRS', 8);
    const connections = knob('BENCH_E2E_CONNECTIONS', 32);
    // BENCH_OBSERVABILITY_RATIO: the sampler's share (0.1); 0 measures an unsampled request alone, 1 a recorded one.
    const ratio = Number(process.env.BENCH_OBSERVABILITY_RATIO || 0.1);
    if (!(ratio >= 0 && ratio <= 1))
      throw new Error(`BENCH_OBSERVABILITY_RATIO must be in 0..1, got "${process.env.BENCH_OBSERVABILITY_RATIO}"`);
    const share = `${+(ratio * 100).toFixed(1)} %`;
    // BENCH_OBSERVABILITY_RATE: requests/s per half instead of as fast as they answer. Both systems
    // then answer the same rate, and the CPU per answer compares without the batching and the
    // background work per second that move with the throughput (the on / off ratio is then ~1).
    const rate = process.env.BENCH_OBSERVABILITY_RATE ? knob('BENCH_OBSERVABILITY_RATE', 0) : undefined;
    heading(
      `Metrics and tracing on vs off (sampler ${share}, OTLP to a local sink; ${pairs} interleaved off/on pairs of ${seconds} s per route${rate ? `, ${rate} req/s` : ''})`,
      'answers/s with tracing exporting vs the no-op tracer, same run; the figure is the median of the pairs` ratios',
    );
    const sink = await startSink();
    cleanup(() => sink.close());
    const kafka = testKafka('bench-observability');
    const systems = { off: new TestSystem(), on: new TestSystem() };
    for (const system of Object.values(systems)) {
      cleanup(() => deleteTopics(kafka, Object.values(system.topics)));
      cleanup(() => system.stop());
    }
    const env = { GATEWAY_RATE_LIMIT_PER_SECOND: '0', ...profilingEnv() };
    await systems.off.start(['auth', 'gateway'], env);
    await systems.on.start(['auth', 'gateway'], { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_ARG: String(ratio) });
    const users = { off: await signedIn(systems.off), on: await signedIn(systems.on) };

    const routes = [
      { key: 'account', label: 'GET /v1/account', method: 'GET', path: '/v1/account', token: (u: { customer: string }) => u.customer },
      {
        key: 'events',
        label: 'POST /v1/events (10 events)',
        method: 'POST',
        path: '/v1/events',
        token: (u: { device: string }) => u.device,
      },
    ] as const;
    const load = (route: (typeof routes)[number], mode: 'on' | 'off', duration: number): Promise<LoadResult> =>
      runLoad({
        url: systems[mode].gatewayUrl,
        method: route.method,
        path: route.path,
        headers: { authorization: `Bearer ${route.token(users[mode])}` },
        connections,
        duration,
        ...(route.key === 'events' ? { trackingBatch: 10 } : {}),
        ...(rate ? { overallRate: rate } : {}),
      });
    // Warm-up, not counted: first connections, JIT, the first sends to each system's topics.
    for (const route of routes) for (const mode of ['off', 'on'] as const) await load(route, mode, SMOKE ? 1 : 2);

    const results: Record<string, { on: LoadResult[]; off: LoadResult[]; ratios: number[]; cpu: { on: number; off: number } }> = {};
    for (let pair = 0; pair < pairs; pair++) {
      for (const route of routes) {
        const mine = (results[route.key] ??= { on: [], off: [], ratios: [], cpu: { on: 0, off: 0 } });
        const measured: Partial<Record<'on' | 'off', LoadResult>> = {};
        for (const mode of pair % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          const cpuBefore = cpuSeconds(systems[mode]);
          measured[mode] = await load(route, mode, seconds);
          mine.cpu[mode] += cpuSeconds(systems[mode]) - cpuBefore;
          mine[mode].push(measured[mode]);
        }
        mine.ratios.push(measured.on!.perSecond / measured.off!.perSecond);
      }
    }
    const rows = routes.map((route) => {
      const { ratios } = results[route.key]!;
      const off = mergeRounds(results[route.key]!.off);
      const on = mergeRounds(results[route.key]!.on);
      const figure = median(ratios);
      recordFigure(`observability.${route.key}.onOffRatio`, figure);
      // CPU ms per answer of gateway + auth, summed over the pairs: off / on is the throughput a CPU-bound system keeps.
      const cpuMs = (mode: 'on' | 'off') =>
        (1000 * results[route.key]!.cpu[mode]) / results[route.key]![mode].reduce((n, r) => n + r.ok, 0);
      recordFigure(`observability.${route.key}.cpuPerAnswerOffOnRatio`, cpuMs('off') / cpuMs('on'));
      return [
        route.label,
        fmt(off.perSecond, 0),
        fmt(on.perSecond, 0),
        `${figure.toFixed(3)}×`,
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
        fmt(cpuMs('off'), 2),
        fmt(cpuMs('on'), 2),
        `${(cpuMs('off') / cpuMs('on')).toFixed(3)}×`,
        fmt(off.latency.p99),
        fmt(on.latency.p99),
      ];
    });
    printTable(
      'Metrics and tracing: answers/s (medians of the rounds)',
      [
        'route',
        'off /s',
        `on (${share}) /s`,
        'on / off (median of pairs)',
        'pairs min–max',
        'off CPU ms/answer',
        'on CPU ms/answer',
        'CPU off / on',
        'off p99 ms',
        'on p99 ms',
      ],
      rows,
      [
        `OTLP export requests received by the sink: ${sink.requests()} (proof that the "on" system exported).`,
        ...routes.map((route) => `${route.label}, on / off of each pair: ${results[route.key]!.ratios.map((r) => r.toFixed(2)).join(' ')}`),
      ],
    );
  },
  SMOKE ? 240 : 1200,
);
