import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Idstream, memoryStorage } from '@idstream/sdk';
import { TestSystem, testKafka } from '@idstream/testing';
import {
  deleteTopics,
  fmt,
  heading,
  knob,
  note,
  ownCpuMs,
  perSecond,
  printTable,
  quantile,
  ratio,
  recordFigure,
  runBenchmark,
} from './bench.support';

/**
 * The client SDK (@idstream/sdk): the size of its browser build (client + tracker, minified and
 * gzip), and the tracker's throughput from track() to the gateway's 202 against the raw HTTP
 * batch rate of the same gateway in the same run (the same fetch, batches of 100, one request
 * in flight). The cases take turns in rounds; each one's rate is the median of its rounds.
 */

const ROOT = path.resolve(__dirname, '../..');
const BATCH = 100;

async function bundleSize(): Promise<{ minified: number; gzip: number }> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'libs/sdk/src/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    platform: 'browser',
    write: false,
    legalComments: 'none',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}

const event = (n: number) => ({
  id: randomUUID(),
  type: 'bench.product-view',
  occurredAt: new Date().toISOString(),
  label: 'bench',
  params: { n, sku: `SKU-${n}` },
});

/** A round's rate, and the CPU this process spent on it (ms per 1,000 events): steadier than the rate on a shared machine. */
interface Round {
  rate: number;
  cpuPerThousand: number;
}

async function measured(events: number, run: () => Promise<number>): Promise<Round> {
  const cpu = ownCpuMs();
  const rate = await run();
  return { rate, cpuPerThousand: ((ownCpuMs() - cpu) * 1000) / events };
}

/** Raw HTTP: prebuilt batches of 100 posted one after another with fetch and an anonymous token. */
async function rawBatches(gatewayUrl: string, token: string, events: number): Promise<number> {
  const batches = Array.from({ length: Math.ceil(events / BATCH) }, (_, b) =>
    JSON.stringify({ sentAt: new Date().toISOString(), events: Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i)) }),
  );
  const started = performance.now();
  for (const body of batches) {
    const res = await fetch(`${gatewayUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    await res.text();
    if (res.status !== 202) throw new Error(`raw POST /v1/events: ${res.status}`);
  }
  return perSecond(batches.length * BATCH, performance.now() - started);
}

/** The SDK: track() in bursts of 100 as an app would, then flush(); the clock stops when the queue is empty. */
async function sdkTracker(gatewayUrl: string, apiKey: string, events: number): Promise<number> {
  const sdk = Idstream.init({ baseUrl: gatewayUrl, apiKey, storage: memoryStorage(), tracker: { batchSize: BATCH, maxQueueSize: events } });
  await sdk.client.retrieveToken(); // the device's anonymous token, before the clock starts (the raw case has its own)
  const started = performance.now();
  for (let n = 0; n < events; n += BATCH) {
    const burst: Promise<void>[] = [];
    for (let i = n; i < Math.min(events, n + BATCH); i++)
      burst.push(sdk.tracker.track('bench.product-view', { n: i, sku: `SKU-${i}` }, { label: 'bench' }));
    await Promise.all(burst);
  }
  const { empty } = await sdk.tracker.flush();
  const ms = performance.now() - started;
  sdk.close();
  // Events leave the queue on a 202 only, or are counted: empty with nothing counted means all were accepted.
  const { dropped, rejected, undeliverable } = await sdk.tracker.stats();
  if (!empty || dropped + rejected + undeliverable > 0)
    throw new Error(`the tracker did not deliver every event: ${JSON.stringify({ empty, dropped, rejected, undeliverable })}`);
  return perSecond(events, ms);
}

runBenchmark('sdk', async (cleanup) => {
  heading(
    'client SDK (@idstream/sdk)',
    'browser bundle size against the 12 KB gzip target; track() → 202 against raw HTTP batches of 100 in the same run',
  );

  const size = await bundleSize();
  recordFigure('sdk.bundle.gzipBytes', size.gzip);
  printTable(
    'Browser build of client + tracker (esbuild, ESM, minified)',
    ['build', 'bytes', 'KiB', 'vs 12 KB target'],
    [
      ['minified', fmt(size.minified, 0), fmt(size.minified / 1024, 1), ''],
      ['minified + gzip -9', fmt(size.gzip, 0), fmt(size.gzip / 1024, 1), ratio(size.gzip, 12 * 1024)],
    ],
  );

  const events = knob('BENCH_SDK_EVENTS', 3000);
  const rounds = knob('BENCH_SDK_ROUNDS', 9);
  const system = new TestSystem();
  cleanup(() => system.stop());
  // Its own topic prefix: nothing another system reads. The topics go when the benchmark ends.
  cleanup(() => deleteTopics(testKafka('bench-sdk'), Object.values(system.topics)));
  await system.start(['auth', 'gateway'], { GATEWAY_RATE_LIMIT_PER_SECOND: '1000000', GATEWAY_RATE_LIMIT_BURST: '1000000' });
  const anonymous = await system.http<{ token: string }>('POST', '/v1/auth/anonymous', {
    body: { apiKey: system.clientApiKey, uuid: randomUUID() },
  });
  const token = anonymous.body.token;

  await rawBatches(system.gatewayUrl, token, BATCH * 20); // warm-up of both paths (the JIT, the connection)
  await sdkTracker(system.gatewayUrl, system.clientApiKey, BATCH * 20);
  const rawRounds: Round[] = [];
  const sdkRounds: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    rawRounds.push(await measured(events, () => rawBatches(system.gatewayUrl, token, events)));
    sdkRounds.push(await measured(events, () => sdkTracker(system.gatewayUrl, system.clientApiKey, events)));
  }
  const raw = rawRounds.map((r) => r.rate);
  const sdk = sdkRounds.map((r) => r.rate);
  const median = (values: number[]) =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  const rawRate = median(raw);
  const sdkRate = median(sdk);
  // Each SDK round against the raw round just before it: on a shared machine the load moves
  // within seconds, and neighbouring rounds see the most similar load.
  const pairedRatio = median(sdk.map((rate, i) => rate / raw[i]!));
  recordFigure('sdk.tracker.eventsPerSec', sdkRate);
  recordFigure('sdk.tracker.vsRaw', pairedRatio);
  printTable(
    `Tracker throughput, ${fmt(events, 0)} events per round, ${rounds} rounds, batches of ${BATCH}, one request in flight`,
    ['case', 'events/s (median)', 'vs raw (medians)', 'vs raw (median of paired rounds)', 'client CPU ms / 1,000 events'],
    [
      ['raw fetch, prebuilt batches of 100', fmt(rawRate, 0), '1.00×', '1.00×', fmt(median(rawRounds.map((r) => r.cpuPerThousand)), 1)],
      [
        'SDK: track() → persisted queue → 202, then flush()',
        fmt(sdkRate, 0),
        ratio(sdkRate, rawRate),
        `${fmt(pairedRatio, 2)}×`,
        fmt(median(sdkRounds.map((r) => r.cpuPerThousand)), 1),
      ],
    ],
    [
      `rounds, raw: ${raw.map((r) => fmt(r, 0)).join(' ')}`,
      `rounds, SDK: ${sdk.map((r) => fmt(r, 0)).join(' ')}`,
      'target: the SDK at ≥ 0.9× of raw batches (issue 12)',
    ],
  );
  note('gateway writes tracking.raw of this system`s own topic prefix; no ingester runs');
});
