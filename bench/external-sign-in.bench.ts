import { randomUUID } from 'node:crypto';
import { OidcIssuerFixture, TestSystem } from '@idstream/testing';
import { fmt, heading, knob, note, printTable, ratio, recordFigure, runBenchmark } from './bench.support';
import {
  mergeRounds,
  mergeUsage,
  ProcessWatch,
  profilingEnv,
  runLoad,
  scenarioSeconds,
  SMOKE,
  totalCpuMs,
  type LoadResult,
  type LoadSpec,
} from './end-to-end.support';

/**
 * External sign-in throughput (issue 15) with a warm JWKS cache, against anonymous-token
 * issuance for a new device in the same run: auth + gateway as processes (TestSystem,
 * GATEWAY_RATE_LIMIT_PER_SECOND=0), a loopback OpenID Connect issuer whose keys auth fetched
 * once before the load, autocannon in its own process. Each external sign-in verifies an RS256
 * ID token, finds the profile by its identity and opens a session (SessionOpened, a customer
 * token); no password hashing. The two scenarios take turns for BENCH_E2E_ROUNDS rounds.
 * Figures: `e2e.external.signIn.*` and `e2e.external.anonNew.*` (report.ts divides them).
 */

const CLIENT_ID = 'bench-app';

interface Row {
  key: string;
  label: string;
  load: LoadResult;
  cpuMsPerOp?: number;
}

runBenchmark(
  'external-sign-in',
  async (cleanup) => {
    const seconds = scenarioSeconds();
    const connections = knob('BENCH_E2E_CONNECTIONS', 32);
    const rounds = SMOKE ? 1 : knob('BENCH_E2E_ROUNDS', 3);
    const identityCount = SMOKE ? 4 : knob('BENCH_EXT_IDENTITIES', 128);
    heading(
      `External sign-in with a warm JWKS cache (auth + gateway as processes, autocannon in its own process, ${seconds} s per scenario)`,
      'POST /v1/auth/external (returning identity, RS256 ID token) vs POST /v1/auth/anonymous (new device), same run, taking turns',
    );

    const issuer = await OidcIssuerFixture.start();
    cleanup(() => issuer.stop());
    const system = new TestSystem();
    cleanup(() => system.stop());
    await system.start(['auth', 'gateway'], { GATEWAY_RATE_LIMIT_PER_SECOND: '0', ...profilingEnv() });
    const url = system.gatewayUrl;
    const apiKey = system.clientApiKey;
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await system.http(method, path, { body, token });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return res.body as Record<string, string>;
    };
    const anonToken = (await call('POST', '/v1/auth/anonymous', { apiKey })).token!;
    const { aud: workspaceId } = JSON.parse(Buffer.from(anonToken.split('.')[1]!, 'base64url').toString()) as { aud: string };
    await system.http('PATCH', `/v1/admin/workspaces/${workspaceId}`, {
      token: system.adminKey,
      body: { identityProviders: [{ name: 'corp', issuer: issuer.issuer, clientIds: [CLIENT_ID] }] },
    });

    // Identities signed in once (which creates their profiles and warms the JWKS cache), each on its own device.
    const devices: Record<string, string>[] = [];
    const bodies: string[] = [];
    for (let i = 0; i < identityCount; i++) {
      const device = await call('POST', '/v1/auth/anonymous', { apiKey });
      const email = `ext.${i}.${system.topicPrefix.slice(1, -1)}@example.test`;
      const idToken = await issuer.issue({ sub: randomUUID(), aud: CLIENT_ID, email, email_verified: true }, { expiresInSeconds: 3600 });
      await call('POST', '/v1/auth/external', { provider: 'corp', idToken }, device.token);
      devices.push({ authorization: `Bearer ${device.token}` });
      bodies.push(JSON.stringify({ provider: 'corp', idToken }));
    }
    const fetchesBefore = issuer.jwksFetches;

    const pids = () => new Map(['gateway', 'auth'].map((app) => [app, system.processes.get(app as 'auth')?.child.pid]));
    const scenarios: { key: string; label: string; spec: Omit<LoadSpec, 'duration'> }[] = [
      {
        key: 'anonNew',
        label: 'POST /v1/auth/anonymous, new device',
        spec: { url, method: 'POST', path: '/v1/auth/anonymous', connections, body: JSON.stringify({ apiKey }) },
      },
      {
        key: 'signIn',
        label: 'POST /v1/auth/external, returning identity',
        spec: { url, method: 'POST', path: '/v1/auth/external', connections, pool: { headers: devices, bodies } },
      },
    ];
    const loads = new Map<string, LoadResult[]>(scenarios.map((sc) => [sc.key, []]));
    const usages = new Map<string, ReturnType<ProcessWatch['end']>[]>(scenarios.map((sc) => [sc.key, []]));
    for (let round = 0; round < rounds; round++) {
      for (const sc of scenarios) {
        const watch = new ProcessWatch(pids);
        watch.begin();
        loads.get(sc.key)!.push(await runLoad({ duration: seconds / rounds, ...sc.spec }));
        usages.get(sc.key)!.push(watch.end());
      }
    }
    const rows: Row[] = scenarios.map(({ key, label }) => {
      const load = mergeRounds(loads.get(key)!);
      const cpu = totalCpuMs(mergeUsage(usages.get(key)!));
      const cpuMsPerOp = cpu === undefined || load.ok === 0 ? undefined : cpu / load.ok;
      recordFigure(`e2e.external.${key}.perSecond`, load.perSecond);
      recordFigure(`e2e.external.${key}.p50Ms`, load.latency.p50);
      recordFigure(`e2e.external.${key}.p99Ms`, load.latency.p99);
      if (cpuMsPerOp !== undefined) recordFigure(`e2e.external.${key}.cpuMsPerOp`, cpuMsPerOp);
      if (load.non2xx + load.errors + load.timeouts > 0)
        note(`${label}: ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts (${JSON.stringify(load.statusCodes)})`);
      return { key, label, load, cpuMsPerOp };
    });
    const jwksDuringLoad = issuer.jwksFetches - fetchesBefore;
    const base = rows[0]!;
    printTable(
      `External sign-in vs anonymous-token issuance through the gateway at ${url} (${connections} connections)`,
      ['scenario', 'answered', 'not 2xx', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/op', 'req/s vs anonymous'],
      rows.map((r) => [
        r.label,
        fmt(r.load.ok, 0),
        fmt(r.load.non2xx + r.load.errors + r.load.timeouts, 0),
        fmt(r.load.perSecond, 0),
        fmt(r.load.latency.p50, 1),
        fmt(r.load.latency.p99, 1),
        fmt(r.cpuMsPerOp, 3),
        ratio(r.load.perSecond, base.load.perSecond),
      ]),
      [
        `${identityCount} identities, one device each; JWKS fetched ${fmt(jwksDuringLoad, 0)} times during the load (a warm cache: 0)`,
        'server CPU ms/op: user + system time of gateway + auth per 2xx answer; PostgreSQL and Kafka not counted',
        `${rounds} round(s), the scenarios taking turns; req/s and latencies are the medians of the rounds`,
      ],
    );
  },
  SMOKE ? 150 : 600,
);
