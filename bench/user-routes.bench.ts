import { createTestDatabase, TestSystem } from '@idstream/testing';
import { fmt, heading, knob, note, printTable, ratio, recordFigure, runBenchmark } from './bench.support';
import {
  pbkdf2Ceiling,
  ProcessWatch,
  profilingEnv,
  scenarioWanted,
  type Pbkdf2Ceiling,
  runLoad,
  scenarioSeconds,
  SMOKE,
  startScript,
  mergeRounds,
  mergeUsage,
  totalCpuMs,
  type LoadResult,
  type LoadSpec,
} from './end-to-end.support';

/**
 * What users feel on the HTTP routes, end to end: auth + gateway as processes (TestSystem: a
 * fresh database and topic prefix, GATEWAY_RATE_LIMIT_PER_SECOND=0), autocannon in a separate
 * process on loopback. Each figure sits next to its baseline of the same run: sign-in and
 * registration against raw PBKDF2 hashes/s on the same cores; the light routes against
 * GET /health/live, at full load and at a steady rate; and better-auth (its own database on the
 * same PostgreSQL, once with the same PBKDF2 hasher, once with its default scrypt) for sign-in
 * and the session check. Figures go to the run's figures file (`e2e.<scenario>.<figure>`).
 */

const PASSWORD = 'Str0ng!pass-bench';

interface Row {
  key: string;
  label: string;
  load: LoadResult;
  cpuMsPerOp?: number;
  baseline?: { label: string; perSecond: number; cpuMsPerOp?: number };
  peakRss: string;
}

runBenchmark(
  'user-routes',
  async (cleanup) => {
    const seconds = scenarioSeconds();
    const connections = knob('BENCH_E2E_CONNECTIONS', 32);
    const hashConnections = knob('BENCH_E2E_HASH_CONNECTIONS', 8);
    const sessionConnections = 16;
    const steadyRate = knob('BENCH_E2E_STEADY_RATE', 200);
    const accountCount = SMOKE ? 2 : knob('BENCH_E2E_ACCOUNTS', 32);
    heading(
      `What users feel on the HTTP routes (auth + gateway as processes, autocannon in its own process, ${seconds} s per scenario)`,
      'sign-in/registration vs raw PBKDF2; light routes vs /health/live (full load, steady rate); better-auth sign-in and get-session',
    );

    // The ceiling is measured just before and just after the hashing scenarios, and their mean
    // is the baseline: on a shared machine the cores this run gets change from minute to minute.
    const ceilingSeconds = SMOKE ? 1 : Math.max(3, seconds / 2);
    const ceilings: Pbkdf2Ceiling[] = [];
    const measureCeiling = async (when: string) => {
      const c = await pbkdf2Ceiling(ceilingSeconds);
      ceilings.push(c);
      note(
        `raw PBKDF2-SHA256 600k ${when}, ${c.parallel} in parallel: ${c.hashes} hashes in ${fmt(c.seconds)} s = ${fmt(c.hashesPerSecond)} hashes/s, ${fmt(c.cpuMsPerHash, 0)} CPU ms per hash`,
      );
    };
    await measureCeiling('before the hashing scenarios');
    const ceiling = { hashesPerSecond: 0, cpuMsPerHash: 0, parallel: ceilings[0]!.parallel };
    const settleCeiling = () => {
      ceiling.hashesPerSecond = ceilings.reduce((n, c) => n + c.hashesPerSecond, 0) / ceilings.length;
      ceiling.cpuMsPerHash = ceilings.reduce((n, c) => n + c.cpuMsPerHash, 0) / ceilings.length;
      recordFigure('e2e.pbkdf2.hashesPerSecond', ceiling.hashesPerSecond);
      recordFigure('e2e.pbkdf2.cpuMsPerHash', ceiling.cpuMsPerHash);
    };
    settleCeiling();

    const system = new TestSystem();
    cleanup(() => system.stop());
    const startedAt = performance.now();
    await system.start(['auth', 'gateway'], { GATEWAY_RATE_LIMIT_PER_SECOND: '0', ...profilingEnv() });
    note(`system up in ${fmt((performance.now() - startedAt) / 1000, 1)} s`);
    const url = system.gatewayUrl;
    const apiKey = system.clientApiKey;
    const appPids = () => new Map(['gateway', 'auth'].map((app) => [app, system.processes.get(app as 'auth')?.child.pid]));

    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await system.http(method, path, { body, token });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return res.body as Record<string, string>;
    };
    // Accounts to sign in with, each on its own device; then one customer session each.
    const accounts: { email: string; anonToken: string; uuid: string; token: string }[] = [];
    for (let i = 0; i < accountCount; i++) {
      const device = await call('POST', '/v1/auth/anonymous', { apiKey });
      const email = `bench.${i}.${system.topicPrefix.slice(1, -1)}@example.test`;
      await call('POST', '/v1/accounts', { email, password: PASSWORD }, device.token);
      const session = await call('POST', '/v1/auth/sign-in', { email, password: PASSWORD }, device.token);
      accounts.push({ email, anonToken: device.token!, uuid: device.uuid!, token: session.token! });
    }
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const anonHeaders = accounts.map((a) => bearer(a.anonToken));
    const customerHeaders = accounts.map((a) => bearer(a.token));

    // In smoke mode a hashing scenario is bounded by a count (each of its requests may take longer
    // than the smoke's seconds on a busy machine), else by time.
    const hashAmount = SMOKE ? hashConnections : undefined;
    const rows: Row[] = [];
    interface Scenario {
      key: string;
      label: string;
      spec: Omit<LoadSpec, 'duration'>;
      pids: () => Map<string, number | undefined>;
      /** Read once the scenario's rounds are done, with the rows measured so far in the same call (e.g. /health/live's). */
      baseline?: (measured: Map<string, Row>) => Row['baseline'];
      /** CPU ms per second the processes of `pids` use when idle (their consumers, timers), subtracted in the net CPU figure. */
      idleCpuMsPerSecond?: number;
    }
    // The scenarios of one call take turns, `rounds` times, each for its share of the seconds; a
    // scenario's figures are the medians of its rounds (CPU summed, peak RSS the highest), so a
    // burst of other work on a shared machine hits every scenario alike.
    const measure = async (scenarios: Scenario[], rounds = 1): Promise<Map<string, Row>> => {
      const wanted = scenarios.filter((sc) => scenarioWanted(sc.key));
      const loads = new Map<string, LoadResult[]>(wanted.map((sc) => [sc.key, []]));
      const usages = new Map<string, ReturnType<ProcessWatch['end']>[]>(wanted.map((sc) => [sc.key, []]));
      for (let round = 0; round < rounds; round++) {
        for (const sc of wanted) {
          const watch = new ProcessWatch(sc.pids);
          watch.begin();
          loads.get(sc.key)!.push(await runLoad({ duration: seconds / rounds, ...sc.spec }));
          usages.get(sc.key)!.push(watch.end());
        }
      }
      const measured = new Map<string, Row>();
      for (const { key, label, baseline, idleCpuMsPerSecond } of wanted) {
        const load = mergeRounds(loads.get(key)!);
        const usage = mergeUsage(usages.get(key)!);
        const cpu = totalCpuMs(usage);
        const cpuMsPerOp = cpu === undefined || load.ok === 0 ? undefined : cpu / load.ok;
        const peakRss = [...usage].map(([name, u]) => `${name} ${fmt(u.peakRssMb, 0)}`).join(', ');
        recordFigure(`e2e.${key}.perSecond`, load.perSecond);
        recordFigure(`e2e.${key}.p50Ms`, load.latency.p50);
        recordFigure(`e2e.${key}.p99Ms`, load.latency.p99);
        if (cpuMsPerOp !== undefined) recordFigure(`e2e.${key}.cpuMsPerOp`, cpuMsPerOp);
        if (cpu !== undefined && idleCpuMsPerSecond !== undefined && load.ok > 0)
          recordFigure(`e2e.${key}.cpuMsPerOpNet`, (cpu - idleCpuMsPerSecond * load.seconds) / load.ok);
        for (const [name, u] of usage) if (u.peakRssMb !== undefined) recordFigure(`e2e.${key}.peakRssMb.${name}`, u.peakRssMb);
        if (load.non2xx + load.errors + load.timeouts > 0)
          note(`${label}: ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts (${JSON.stringify(load.statusCodes)})`);
        const row = { key, label, load, cpuMsPerOp, baseline: baseline?.(measured), peakRss };
        rows.push(row);
        measured.set(key, row);
      }
      return measured;
    };
    const run = async (
      key: string,
      label: string,
      spec: Omit<LoadSpec, 'duration'>,
      pids: Scenario['pids'],
      baseline?: Row['baseline'],
      idleCpuMsPerSecond?: number,
    ) => (await measure([{ key, label, spec, pids, baseline: () => baseline, idleCpuMsPerSecond }])).get(key);
    // What the processes burn with nothing to answer (Kafka consumers, relays, timers): on a
    // hashing scenario of a few dozen requests it would otherwise show up as CPU per sign-in.
    const idleCpuRate = async (pids: Scenario['pids']) => {
      const watch = new ProcessWatch(pids);
      watch.begin();
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, SMOKE ? 500 : 3000));
      return (totalCpuMs(watch.end()) ?? 0) / ((performance.now() - t0) / 1000);
    };
    const appIdleCpu = await idleCpuRate(appPids);
    note(`gateway + auth when idle: ${fmt(appIdleCpu, 1)} CPU ms per second`);

    // One object: its figures become the mean of both ceilings once the second is measured.
    const pbkdf2 = {
      label: 'raw PBKDF2',
      get perSecond() {
        return ceiling.hashesPerSecond;
      },
      get cpuMsPerOp() {
        return ceiling.cpuMsPerHash;
      },
    };
    await run(
      'signIn',
      'POST /v1/auth/sign-in',
      {
        url,
        method: 'POST',
        path: '/v1/auth/sign-in',
        connections: hashConnections,
        amount: hashAmount,
        pool: { headers: anonHeaders, bodies: accounts.map((a) => JSON.stringify({ email: a.email, password: PASSWORD })) },
      },
      appPids,
      pbkdf2,
      appIdleCpu,
    );
    const fresh = Array.from({ length: SMOKE ? 200 : 20_000 }, (_, i) =>
      JSON.stringify({ email: `new.${i}.${system.topicPrefix.slice(1, -1)}@example.test`, password: PASSWORD }),
    );
    await run(
      'register',
      'POST /v1/accounts (registration)',
      {
        url,
        method: 'POST',
        path: '/v1/accounts',
        connections: hashConnections,
        amount: hashAmount,
        pool: { headers: anonHeaders, bodies: fresh },
      },
      appPids,
      pbkdf2,
      appIdleCpu,
    );
    await measureCeiling('after them');
    settleCeiling();

    const light = (rate?: number): [string, string, Omit<LoadSpec, 'duration'>][] => {
      const base = { url, connections: rate ? 10 : connections, overallRate: rate };
      return [
        ['health', 'GET /health/live', { ...base, method: 'GET', path: '/health/live' }],
        ['accountGet', 'GET /v1/account', { ...base, method: 'GET', path: '/v1/account', pool: { headers: customerHeaders } }],
        ['refresh', 'POST /v1/auth/refresh', { ...base, method: 'POST', path: '/v1/auth/refresh', pool: { headers: customerHeaders } }],
        [
          'accountPatch',
          'PATCH /v1/account',
          {
            ...base,
            method: 'PATCH',
            path: '/v1/account',
            pool: { headers: customerHeaders, bodies: Array.from({ length: 7 }, (_, i) => JSON.stringify({ firstName: `Bench${i}` })) },
          },
        ],
        [
          'anonReturning',
          'POST /v1/auth/anonymous, returning device',
          {
            ...base,
            method: 'POST',
            path: '/v1/auth/anonymous',
            pool: { bodies: accounts.map((a) => JSON.stringify({ apiKey, uuid: a.uuid })) },
          },
        ],
        [
          'anonNew',
          'POST /v1/auth/anonymous, new device',
          { ...base, method: 'POST', path: '/v1/auth/anonymous', body: JSON.stringify({ apiKey }) },
        ],
      ];
    };
    const rounds = SMOKE ? 1 : knob('BENCH_E2E_ROUNDS', 3);
    const healthBaseline = (measured: Map<string, Row>): Row['baseline'] => {
      const health = measured.get('full.health');
      return health && { label: 'GET /health/live', perSecond: health.load.perSecond, cpuMsPerOp: health.cpuMsPerOp };
    };
    await measure(
      light().map(([key, label, spec]) => ({
        key: `full.${key}`,
        label: `${label} (${connections} conn.)`,
        spec,
        pids: appPids,
        baseline: key === 'health' ? undefined : healthBaseline,
      })),
      rounds,
    );
    await measure(
      light(steadyRate).map(([key, label, spec]) => ({
        key: `steady.${key}`,
        label: `${label} at ${steadyRate} req/s`,
        spec,
        pids: appPids,
      })),
      rounds,
    );
    const session = await run(
      'session16.idstream',
      `GET /v1/account (${sessionConnections} conn.)`,
      { url, method: 'GET', path: '/v1/account', connections: sessionConnections, pool: { headers: customerHeaders } },
      appPids,
    );

    // The peer: better-auth on the same PostgreSQL, in a database of its own, once per hasher.
    for (const hasher of ['pbkdf2', 'scrypt'] as const) {
      if (!scenarioWanted(`peer.${hasher}.signIn`) && !scenarioWanted(`peer.${hasher}.session16`)) continue;
      const db = await createTestDatabase(`peer_${hasher}`);
      const peer = await startScript('bench/better-auth-peer.mjs', { DATABASE_URL: db.url, BETTER_AUTH_HASHER: hasher });
      const peerUrl = `http://127.0.0.1:${peer.firstLine}`;
      const peerPids = () => new Map([['better-auth', peer.child.pid]]);
      const peerIdleCpu = await idleCpuRate(peerPids);
      try {
        const users: { body: string; cookie: string }[] = [];
        for (let i = 0; i < accountCount; i++) {
          const body = JSON.stringify({ email: `peer.${i}@example.test`, password: PASSWORD, name: `Peer ${i}` });
          const headers = { 'content-type': 'application/json', origin: 'http://127.0.0.1' };
          const up = await fetch(`${peerUrl}/api/auth/sign-up/email`, { method: 'POST', headers, body });
          if (!up.ok) throw new Error(`better-auth sign-up: ${up.status} ${await up.text()}`);
          const signInBody = JSON.stringify({ email: `peer.${i}@example.test`, password: PASSWORD });
          const res = await fetch(`${peerUrl}/api/auth/sign-in/email`, { method: 'POST', headers, body: signInBody });
          if (!res.ok) throw new Error(`better-auth sign-in: ${res.status} ${await res.text()}`);
          users.push({
            body: signInBody,
            cookie: res.headers
              .getSetCookie()
              .map((c) => c.split(';')[0])
              .join('; '),
          });
        }
        await run(
          `peer.${hasher}.signIn`,
          `better-auth (${hasher}) POST /api/auth/sign-in/email`,
          {
            url: peerUrl,
            method: 'POST',
            path: '/api/auth/sign-in/email',
            connections: hashConnections,
            amount: hashAmount,
            pool: { bodies: users.map((u) => u.body) },
          },
          peerPids,
          pbkdf2,
          peerIdleCpu,
        );
        await run(
          `peer.${hasher}.session16`,
          `better-auth (${hasher}) GET /api/auth/get-session (${sessionConnections} conn.)`,
          {
            url: peerUrl,
            method: 'GET',
            path: '/api/auth/get-session',
            connections: sessionConnections,
            pool: { headers: users.map((u) => ({ cookie: u.cookie })) },
          },
          peerPids,
          session && { label: 'idstream GET /v1/account', perSecond: session.load.perSecond, cpuMsPerOp: session.cpuMsPerOp },
        );
      } finally {
        await peer.stop();
        await db.drop();
      }
    }

    printTable(
      `Routes through the gateway at ${url} and better-auth (connections as named; steady cases at a fixed rate)`,
      [
        'scenario',
        'answered',
        'not 2xx',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU ms/op',
        'baseline',
        'req/s vs base',
        'CPU vs base',
        'peak RSS MiB',
      ],
      rows.map((r) => [
        r.label,
        fmt(r.load.ok, 0),
        fmt(r.load.non2xx + r.load.errors + r.load.timeouts, 0),
        fmt(r.load.perSecond, r.load.perSecond < 100 ? 1 : 0),
        fmt(r.load.latency.p50, 1),
        fmt(r.load.latency.p99, 1),
        fmt(r.cpuMsPerOp, r.cpuMsPerOp !== undefined && r.cpuMsPerOp >= 10 ? 0 : 3),
        r.baseline?.label ?? '',
        r.baseline ? ratio(r.load.perSecond, r.baseline.perSecond) : '',
        r.baseline ? ratio(r.cpuMsPerOp, r.baseline.cpuMsPerOp) : '',
        r.peakRss,
      ]),
      [
        `raw PBKDF2: ${fmt(ceiling.hashesPerSecond)} hashes/s (mean of before and after), ${fmt(ceiling.cpuMsPerHash, 0)} CPU ms/hash (${ceiling.parallel} in parallel, own process)`,
        'server CPU ms/op: user + system time of the app processes (gateway + auth, or better-auth) per 2xx answer; PostgreSQL and Kafka not counted',
        'peak RSS: VmHWM of each process, reset at the start of each scenario',
        "latencies are autocannon's (steady cases corrected for coordinated omission); the load generator shares the cores",
      ],
    );
  },
  SMOKE ? 150 : 900,
);
