import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@idstream/testing';
import { writeBenchmarksFile, failedBenchmarks } from './benchmarks-file';
import { fmt, printTable } from './bench.support';

/**
 * The one table of the end-to-end figures (issue 14), from the figures the benchmarks of this
 * run recorded (scripts/bench.sh sets BENCH_RESULTS), each next to its baseline of the same run
 * and its target. A figure whose benchmark did not run shows "not run". A run that is not a
 * smoke run also writes bench/results/<timestamp>.json (the machine, the command and every
 * figure) and BENCHMARKS.md at the root (this table, the machine, the command:
 * bench/benchmarks-file.ts).
 */

type Figures = Record<string, number>;

const file = process.env.BENCH_RESULTS;
let figures: Figures = {};
try {
  figures = file ? (JSON.parse(readFileSync(file, 'utf8')) as Figures) : {};
} catch {
  figures = {};
}
const smoke = process.env.BENCH_SMOKE === '1';
const f = (name: string): number | undefined => figures[name];
const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const x = (value: number | undefined) => (value === undefined ? 'not run' : `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×`);
const n = (value: number | undefined, digits?: number) => (value === undefined ? 'not run' : fmt(value, digits));
const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
const atLeast = (value: number | undefined, target: number) => (value === undefined ? undefined : value >= target);
const atMost = (value: number | undefined, target: number) => (value === undefined ? undefined : value <= target);

const LIGHT = [
  ['accountGet', 'GET /v1/account'],
  ['refresh', 'POST /v1/auth/refresh'],
  ['accountPatch', 'PATCH /v1/account'],
  ['anonReturning', 'anonymous token, returning device'],
] as const;
const APPS = ['gateway', 'auth', 'tracking-ingester', 'profile-projector'];

/** Highest peak RSS of `app` over every scenario that recorded one. */
function peakRss(app: string): number | undefined {
  const values = Object.entries(figures)
    .filter(([name]) => name.endsWith(`.peakRssMb.${app}`))
    .map(([, value]) => value);
  return values.length === 0 ? undefined : Math.max(...values);
}

const rows: string[][] = [];
const row = (figure: string, ours: string, baseline: string, r: string, target: string, met: boolean | undefined) =>
  rows.push([figure, ours, baseline, r, target, verdict(met)]);

const hashes = f('e2e.pbkdf2.hashesPerSecond');
const signIn = div(f('e2e.signIn.perSecond'), hashes);
row(
  'sign-in req/s ÷ raw PBKDF2 hashes/s',
  n(f('e2e.signIn.perSecond'), 1),
  `${n(hashes, 1)} hashes/s`,
  x(signIn),
  '≥ 0.98×',
  atLeast(signIn, 0.98),
);
const peerSignIn = div(f('e2e.peer.pbkdf2.signIn.perSecond'), hashes);
row(
  '  better-auth, same PBKDF2 hasher',
  n(f('e2e.peer.pbkdf2.signIn.perSecond'), 1),
  `${n(hashes, 1)} hashes/s`,
  x(peerSignIn),
  'ours ahead',
  signIn === undefined || peerSignIn === undefined ? undefined : signIn >= peerSignIn,
);
row('  better-auth, default scrypt', n(f('e2e.peer.scrypt.signIn.perSecond'), 1), '', '', '', undefined);
const register = div(f('e2e.register.perSecond'), hashes);
row(
  'registration req/s ÷ raw PBKDF2 hashes/s',
  n(f('e2e.register.perSecond'), 1),
  `${n(hashes, 1)} hashes/s`,
  x(register),
  '≥ 0.98×',
  atLeast(register, 0.98),
);
const cpuPerHash = f('e2e.pbkdf2.cpuMsPerHash');
// Net: less what the processes use when idle over the same seconds (their consumers and timers).
const cpuPerSignIn = (key: string) => f(`${key}.cpuMsPerOpNet`) ?? f(`${key}.cpuMsPerOp`);
const netAndGross = (key: string) => `${n(cpuPerSignIn(key), 0)} (gross ${n(f(`${key}.cpuMsPerOp`), 0)})`;
const signInCpu = div(cpuPerSignIn('e2e.signIn'), cpuPerHash);
row(
  'server CPU ms per sign-in, net of idle (gateway + auth)',
  netAndGross('e2e.signIn'),
  `${n(cpuPerHash, 0)} ms/hash`,
  x(signInCpu),
  '≤ 1.02×',
  atMost(signInCpu, 1.02),
);
row(
  '  better-auth, same PBKDF2 hasher',
  netAndGross('e2e.peer.pbkdf2.signIn'),
  `${n(cpuPerHash, 0)} ms/hash`,
  x(div(cpuPerSignIn('e2e.peer.pbkdf2.signIn'), cpuPerHash)),
  '',
  undefined,
);
const session = div(f('e2e.session16.idstream.perSecond'), f('e2e.peer.pbkdf2.session16.perSecond'));
row(
  'session check req/s, 16 conn.: GET /v1/account vs get-session',
  n(f('e2e.session16.idstream.perSecond'), 0),
  `${n(f('e2e.peer.pbkdf2.session16.perSecond'), 0)} req/s`,
  x(session),
  '≥ 3×',
  atLeast(session, 3),
);
row(
  '  p99 ms',
  n(f('e2e.session16.idstream.p99Ms'), 0),
  `${n(f('e2e.peer.pbkdf2.session16.p99Ms'), 0)} ms`,
  x(div(f('e2e.session16.idstream.p99Ms'), f('e2e.peer.pbkdf2.session16.p99Ms'))),
  '',
  undefined,
);
const health = f('e2e.full.health.perSecond');
for (const [key, label] of LIGHT) {
  const r = div(f(`e2e.full.${key}.perSecond`), health);
  row(
    `${label}, full load req/s ÷ /health/live`,
    n(f(`e2e.full.${key}.perSecond`), 0),
    `${n(health, 0)} req/s`,
    x(r),
    '≥ 0.4×',
    atLeast(r, 0.4),
  );
}
for (const [key, label] of LIGHT) {
  const p99 = f(`e2e.steady.${key}.p99Ms`);
  row(
    `${label}, steady rate p50 / p99 ms`,
    `${n(f(`e2e.steady.${key}.p50Ms`), 0)} / ${n(p99, 0)}`,
    `live ${n(f('e2e.steady.health.p99Ms'), 0)} ms p99`,
    '',
    'p99 ≤ 15 ms',
    atMost(p99, 15),
  );
}
const anonNew = f('e2e.full.anonNew.perSecond');
row(
  'anonymous token, new device, full load req/s',
  n(anonNew, 0),
  `${n(health, 0)} req/s`,
  x(div(anonNew, health)),
  '≥ 2,000 req/s',
  atLeast(anonNew, 2000),
);
const anonNewP99 = f('e2e.steady.anonNew.p99Ms');
row(
  '  at the steady rate, p50 / p99 ms',
  `${n(f('e2e.steady.anonNew.p50Ms'), 0)} / ${n(anonNewP99, 0)}`,
  '',
  '',
  'p99 ≤ 30 ms',
  atMost(anonNewP99, 30),
);
const external = f('e2e.external.signIn.perSecond');
const externalBase = f('e2e.external.anonNew.perSecond');
row(
  'external sign-in req/s (warm JWKS) ÷ anonymous token, new device',
  n(external, 0),
  `${n(externalBase, 0)} req/s`,
  x(div(external, externalBase)),
  '≥ 0.5×',
  atLeast(div(external, externalBase), 0.5),
);
row('tracking intake events/s (batches of 100)', n(f('e2e.tracking.intake.eventsPerSecond'), 0), '', '', 'keep', undefined);
const ingest = f('e2e.tracking.ingester.eventsPerSecond');
const raw = f('e2e.tracking.raw.eventsPerSecond');
row(
  'ingester events/s, tracking.raw → tracking.events',
  n(ingest, 0),
  `raw kafkajs ${n(raw, 0)} ev/s`,
  x(div(ingest, raw)),
  '≥ 40,000 ev/s; ≥ 0.5×',
  ingest === undefined ? undefined : ingest >= 40_000 && (div(ingest, raw) ?? 0) >= 0.5,
);
const rawEnvelope = f('e2e.tracking.rawEnvelope.eventsPerSecond');
row(
  '  vs a raw copy writing the same envelope + headers per event',
  n(ingest, 0),
  `raw kafkajs ${n(rawEnvelope, 0)} ev/s`,
  x(div(ingest, rawEnvelope)),
  '≥ 0.5×',
  ingest === undefined || rawEnvelope === undefined ? undefined : (div(ingest, rawEnvelope) ?? 0) >= 0.5,
);
const trackingP99 = f('e2e.tracking.latency.p99Ms');
row(
  `  HTTP → tracking.events at ${n(f('e2e.tracking.latency.eventsPerSecond'), 0)} events/s (half the drain rate), p50 / p99 ms`,
  `${n(f('e2e.tracking.latency.p50Ms'), 0)} / ${n(trackingP99, 0)}`,
  '',
  '',
  'p99 ≤ 500 ms',
  atMost(trackingP99, 500),
);
const ingestCpu = f('e2e.tracking.ingester.cpuMsPer1000');
const rawCpu = f('e2e.tracking.raw.cpuMsPer1000');
row(
  '  CPU ms per 1,000 events (ingester vs raw copy)',
  n(ingestCpu, 1),
  `raw ${n(rawCpu, 1)} ms`,
  x(div(rawCpu, ingestCpu)),
  '',
  undefined,
);
const replay = f('e2e.replay.projector.eventsPerSecond');
row(
  `projector replay events/s (${n(f('e2e.replay.events'), 0)} events)`,
  n(replay, 0),
  `kafkajs fetch ${n(f('e2e.replay.fetch.eventsPerSecond'), 0)} ev/s`,
  x(div(replay, f('e2e.replay.fetch.eventsPerSecond'))),
  '≥ 20,000 ev/s',
  atLeast(replay, 20_000),
);
for (const app of APPS)
  row(`peak RSS MiB, ${app} (max over scenarios)`, n(peakRss(app), 0), '', '', '≤ 150 MB (143 MiB)', atMost(peakRss(app), 143));
// Scaling (issue 14, part 3): how the revocation view and a long profile grow with their work.
const REVOCATION_SIZES = Object.keys(figures)
  .map((name) => /^revocation\.memory\.(\d+)\.bytesPerSession$/.exec(name)?.[1])
  .filter((size): size is string => size !== undefined)
  .map(Number)
  .sort((a, b) => a - b);
for (const size of REVOCATION_SIZES.length > 0 ? REVOCATION_SIZES : [10_000, 1_000_000]) {
  const bytes = f(`revocation.memory.${size}.bytesPerSession`);
  row(
    `revocation view, ${fmt(size, 0)} closed sessions: heap B / session`,
    n(bytes, 0),
    `id string alone ${n(f(`revocation.memory.${size}.idStringBytes`), 0)} B`,
    x(div(bytes, f(`revocation.memory.${size}.idStringBytes`))),
    // A compact table's fixed first room dominates small windows: the target is for large ones.
    size >= 100_000 ? '≤ 64 B' : '',
    size >= 100_000 ? atMost(bytes, 64) : undefined,
  );
  row(
    `  gateway start to caught up, s (heap MiB)`,
    `${n(div(f(`revocation.start.${size}.ms`), 1000), 2)} (${n(f(`revocation.start.${size}.heapMb`), 0)})`,
    '',
    '',
    '',
    undefined,
  );
}
for (const [shape, label] of [
  ['signedOut', 'signed out'],
  ['open', 'left open'],
] as const) {
  const sizes = Object.keys(figures)
    .map((name) => new RegExp(`^profile\\.signIns\\.${shape}\\.(\\d+)\\.updateP50Ms$`).exec(name)?.[1])
    .filter((size): size is string => size !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const first = sizes[0];
  const last = sizes.at(-1);
  const growth =
    first === undefined || last === undefined || first === last
      ? undefined
      : div(f(`profile.signIns.${shape}.${last}.updateP50Ms`), f(`profile.signIns.${shape}.${first}.updateP50Ms`));
  row(
    `one more command (account update) at ${last === undefined ? '10,000' : fmt(last, 0)} sign-ins, ${label}: p50 ms`,
    n(last === undefined ? undefined : f(`profile.signIns.${shape}.${last}.updateP50Ms`), 2),
    first === undefined ? 'not run' : `${fmt(f(`profile.signIns.${shape}.${first}.updateP50Ms`), 2)} ms at ${fmt(first, 0)}`,
    x(growth),
    '≤ 1.5× (flat)',
    atMost(growth, 1.5),
  );
}

printTable(
  `=== Summary: what users feel (issue 14), ${new Date().toISOString()}${smoke ? ' — SMOKE RUN, figures meaningless' : ''} ===`,
  ['figure', 'idstream', 'baseline (same run)', 'ratio', 'target', ''],
  rows,
  [
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores at the end of the run`,
  ],
);

if (!smoke && Object.keys(figures).length > 0) {
  const root = repoRoot();
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const versions = (pkg: string) => {
    try {
      return (JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  };
  const out = path.join(dir, `${stamp}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      {
        finishedAt: new Date().toISOString(),
        command: `npm run bench${process.env.BENCH_ARGS ? ` -- ${process.env.BENCH_ARGS}` : ''}`,
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model.trim(),
          memoryGiB: os.totalmem() / 2 ** 30,
          kernel: `${os.platform()} ${os.release()}`,
          node: process.version,
          loadAverageAtStart: process.env.BENCH_LOAD_AT_START,
          loadAverageAtEnd: os.loadavg(),
        },
        versions: {
          kafkajs: versions('kafkajs'),
          pg: versions('pg'),
          'better-auth': versions('better-auth'),
          autocannon: versions('autocannon'),
        },
        figures,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`  figures written to ${path.relative(root, out)}\n`);
  const written = writeBenchmarksFile({
    root,
    header: ['figure', 'idstream', 'baseline (same run)', 'ratio', 'target', ''],
    rows,
    figures,
    command: `npm run bench${process.env.BENCH_ARGS ? ` -- ${process.env.BENCH_ARGS}` : ''}`,
    resultsFile: path.relative(root, out),
    loadAtStart: process.env.BENCH_LOAD_AT_START,
    versions: {
      kafkajs: versions('kafkajs'),
      pg: versions('pg'),
      'better-auth': versions('better-auth'),
      autocannon: versions('autocannon'),
      typescript: versions('typescript'),
    },
    failed: failedBenchmarks(),
  });
  process.stdout.write(`  summary written to ${written}\n`);
}
