// The load generator of the end-to-end benchmarks: autocannon in its own process, so the
// process that measures (and reads the apps' /proc figures) is not the one making the load.
//   node bench/load-generator.mjs <spec.json>
// The spec file holds { url, method, path, headers, body?, connections, duration, amount?,
// overallRate?, timeout?, pool?: { headers?: [...], bodies?: [...] }, trackingBatch?: n }.
// Each request takes the next entry of the pools (round robin over all connections), so one
// run can sign in many accounts or send from many devices. `trackingBatch: n` builds a fresh
// body of n tracking events (new uuids) per request. Prints one JSON line with the figures.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const headerPool = spec.pool?.headers ?? [];
const bodyPool = spec.pool?.bodies ?? [];
let next = 0;

function trackingBody(size) {
  const now = new Date().toISOString();
  const events = [];
  for (let n = 0; n < size; n++) {
    events.push({ id: randomUUID(), type: 'bench.screen-view', occurredAt: now, label: 'home', params: { n, source: 'bench' } });
  }
  return JSON.stringify({ sentAt: now, events });
}

function setupRequest(request) {
  const i = next++;
  const headers = { ...spec.headers, ...(headerPool.length > 0 ? headerPool[i % headerPool.length] : {}) };
  let body = spec.body;
  if (bodyPool.length > 0) body = bodyPool[i % bodyPool.length];
  if (spec.trackingBatch) body = trackingBody(spec.trackingBatch);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return { ...request, headers, body };
}

const cpuStart = process.cpuUsage();
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  amount: spec.amount,
  overallRate: spec.overallRate,
  timeout: spec.timeout ?? 30,
  requests: [{ method: spec.method, path: spec.path, setupRequest }],
});
const cpu = process.cpuUsage(cpuStart);
const ok = result['2xx'];
const seconds = (Date.parse(result.finish) - Date.parse(result.start)) / 1000 || result.duration;
process.stdout.write(
  JSON.stringify({
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    perSecond: ok / seconds,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    loadGeneratorCpuMs: (cpu.user + cpu.system) / 1000,
  }) + '\n',
);
