import { randomUUID } from 'node:crypto';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { uuidv7, type IdentityEvent } from '@idstream/contracts';
import { RevocationList } from '@idstream/crypto';
import { IdentityTail } from '@idstream/messaging';
import { createTestTopic, testKafka } from '@idstream/testing';
// The revocation view as the gateway holds it: the benchmark reaches into the app on purpose.
/* eslint-disable @typescript-eslint/no-restricted-imports */
import type { GatewayConfig } from '../apps/gateway/src/config/gateway.config';
import { Revocations } from '../apps/gateway/src/security/revocations.service';
/* eslint-enable @typescript-eslint/no-restricted-imports */
import {
  MB,
  deleteTopics,
  fmt,
  heading,
  heapMb,
  knob,
  note,
  perSecond,
  printTable,
  recordFigure,
  rssMb,
  runBenchmark,
} from './bench.support';

/**
 * The revocation view (libs/crypto RevocationList, fed by the gateway's IdentityFeed through
 * @idstream/messaging IdentityTail) at 10,000 and BENCH_REVOCATION_SESSIONS (default
 * 1,000,000) closed sessions in the window:
 *  - in memory: heap per closed session, build time, a check (hit and miss), a prune pass;
 *  - the gateway's start: those SessionClosed events on a scratch topic of 3 partitions, read
 *    by an IdentityTail into the gateway's Revocations until caught up (what a restarted
 *    gateway does before it is ready), timed, with the heap it leaves.
 * The baseline of the memory figure is the session ids alone as strings (what any structure
 * keyed by the id string holds at least).
 */

const HOUR = 3600_000;
const PARTITIONS = 3;

function sizes(): number[] {
  const max = knob('BENCH_REVOCATION_SESSIONS', 1_000_000);
  return max > 10_000 ? [10_000, max] : [max];
}

function closedEvent(sessionId: string, at: number): IdentityEvent {
  return {
    id: uuidv7(at),
    type: 'SessionClosed',
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    workspaceId: '0190a000-0000-7000-8000-00000000beef',
    aggregateId: '0190a000-0000-7000-8000-000000000001',
    sequence: 2,
    correlationId: uuidv7(at),
    causationId: null,
    data: {
      profileId: '0190a000-0000-7000-8000-000000000001',
      sessionId,
      reason: 'sign-out',
      closedAt: new Date(at).toISOString(),
      forgetAfter: new Date(at + HOUR).toISOString(),
    },
  };
}

/** V8 heap plus ArrayBuffer memory in use (typed arrays live outside the heap), in MiB, after a collection. */
function memoryMb(): number {
  const heap = heapMb();
  return heap + process.memoryUsage().arrayBuffers / MB;
}

/** Memory held by what `build` returns, in bytes, after collections before and after. */
function retainedBytes<T>(build: () => T): { value: T; bytes: number; ms: number } {
  const before = memoryMb();
  const t0 = performance.now();
  const value = build();
  const ms = performance.now() - t0;
  return { value, bytes: (memoryMb() - before) * MB, ms };
}

interface View {
  add(sessionId: string, closedAt: Date, forgetAfter: Date, reason: string | null): void;
  isRevoked(sessionId: string, issuedAt: number): boolean;
  prune(now: Date): number;
  readonly size: number;
}

/** The view as it was before it became compact (a Map of id strings to objects): the baseline of the same run. */
class MapView implements View {
  private readonly sessions = new Map<string, { closedAt: number; forgetAfter: number; reason: string | null }>();
  add(sessionId: string, closedAt: Date, forgetAfter: Date, reason: string | null): void {
    const known = this.sessions.get(sessionId);
    const closed = closedAt.getTime();
    const forget = forgetAfter.getTime();
    this.sessions.set(sessionId, {
      closedAt: Math.max(closed, known?.closedAt ?? closed),
      forgetAfter: Math.max(forget, known?.forgetAfter ?? forget),
      reason: known?.reason ?? reason,
    });
  }
  isRevoked(sessionId: string, issuedAt: number): boolean {
    const entry = this.sessions.get(sessionId);
    return entry !== undefined && Math.floor(issuedAt) <= Math.floor(entry.closedAt / 1000);
  }
  prune(now: Date): number {
    let removed = 0;
    for (const [id, entry] of this.sessions) if (entry.forgetAfter <= now.getTime() && this.sessions.delete(id)) removed++;
    return removed;
  }
  get size(): number {
    return this.sessions.size;
  }
}

/** A session id as the gateway gets it from a parsed event: a flat string (randomUUID's own is a rope). */
const flatId = (): string => JSON.parse(`"${randomUUID()}"`) as string;

function inMemory(name: string, make: () => View, count: number): string[] {
  const now = Date.now();
  // Ids kept for the checks (one in every count / 1000): a few KiB, outside the measure.
  const step = Math.max(1, Math.floor(count / 1000));
  const kept: string[] = [];
  const idBytes = retainedBytes(() => Array.from({ length: Math.min(count, 100_000) }, flatId)).bytes / Math.min(count, 100_000);
  const list = retainedBytes(() => {
    const l = make();
    for (let i = 0; i < count; i++) {
      const id = flatId();
      if (i % step === 0) kept.push(id);
      l.add(id, new Date(now - (i % 1000)), new Date(now + HOUR), 'sign-out');
    }
    return l;
  });
  // Checks: a revoked session (hit) and an open one (miss), the token guard's question per
  // request, each on a fresh string as a request's token gives it (a string caches its hash).
  const probes = 100_000;
  const fresh = (id: string): string => JSON.parse(JSON.stringify(id)) as string;
  const hits = Array.from({ length: probes }, (_, i) => fresh(kept[i % kept.length]!));
  const misses = Array.from({ length: probes }, flatId);
  const iat = Math.floor(now / 1000) - 60;
  let revoked = 0;
  const t1 = performance.now();
  for (let i = 0; i < probes; i++) if (list.value.isRevoked(hits[i]!, iat)) revoked++;
  const hitNs = ((performance.now() - t1) * 1e6) / probes;
  const t2 = performance.now();
  for (let i = 0; i < probes; i++) if (list.value.isRevoked(misses[i]!, iat)) revoked++;
  const missNs = ((performance.now() - t2) * 1e6) / probes;
  if (revoked !== probes) throw new Error(`expected ${probes} revoked, got ${revoked}`);
  const t3 = performance.now();
  const pruned = list.value.prune(new Date(now));
  const pruneMs = performance.now() - t3;
  if (pruned !== 0 || list.value.size !== count) throw new Error('prune dropped sessions still in their window');
  const perSession = list.bytes / count;
  const key = `revocation.memory${name === 'RevocationList' ? '' : '.map'}.${count}`;
  recordFigure(`${key}.bytesPerSession`, perSession);
  recordFigure(`${key}.buildMs`, list.ms);
  recordFigure(`${key}.idStringBytes`, idBytes);
  return [
    name,
    fmt(count, 0),
    fmt(list.bytes / MB, 1),
    fmt(perSession, 0),
    fmt(idBytes, 0),
    fmt(list.ms, 0),
    fmt(hitNs, 0),
    fmt(missNs, 0),
    fmt(pruneMs, 1),
  ];
}

async function produceClosed(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const now = Date.now();
    const batch = 5000;
    const inFlight: Promise<unknown>[] = [];
    for (let start = 0; start < count; start += batch) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const at = now - 30 * 60_000 + Math.floor((i / count) * 29 * 60_000);
        const event = closedEvent(randomUUID(), at);
        messages.push({ key: randomUUID(), value: JSON.stringify(event), timestamp: String(at), partition: i % PARTITIONS });
      }
      inFlight.push(producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None }));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
}

async function gatewayStart(kafka: Kafka, count: number, topics: string[]): Promise<string[]> {
  const topic = await createTestTopic(kafka, 'bench-revocations', PARTITIONS);
  topics.push(topic);
  const t0 = performance.now();
  await produceClosed(kafka, topic, count);
  note(`${fmt(count, 0)} SessionClosed events produced in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const heapBefore = memoryMb();
  const rssBefore = rssMb();
  const revocations = new Revocations({ maxAccessTokenTtlSeconds: 3600 } as GatewayConfig);
  let errors = 0;
  const tail = new IdentityTail(kafka, {
    topic,
    windowMs: HOUR + 5 * 60_000,
    groupIdPrefix: 'bench-revocations',
    handle: (event) => {
      if (event.type === 'SessionClosed') revocations.fromEvent(event.data);
    },
    onError: () => errors++,
  });
  const t1 = performance.now();
  try {
    await tail.start();
    await tail.caughtUp();
  } finally {
    await tail.stop();
  }
  const ms = performance.now() - t1;
  if (revocations.list.size !== count || errors > 0) throw new Error(`view holds ${revocations.list.size} of ${count} (${errors} errors)`);
  const heap = memoryMb() - heapBefore;
  recordFigure(`revocation.start.${count}.ms`, ms);
  recordFigure(`revocation.start.${count}.heapMb`, heap);
  return [fmt(count, 0), fmt(ms / 1000, 2), fmt(perSecond(count, ms), 0), fmt(heap, 1), fmt(rssMb() - rssBefore, 0)];
}

runBenchmark(
  'revocation-view',
  async (cleanup) => {
    heading(
      'Revocation view (libs/crypto RevocationList, gateway IdentityFeed)',
      'memory, checks and the start of the view at 10,000 and 1,000,000 closed sessions in the window',
    );
    const memoryRows = sizes().flatMap((count) => [
      inMemory('Map of id strings (before)', () => new MapView(), count),
      inMemory('RevocationList', () => new RevocationList(), count),
    ]);
    printTable(
      'In memory (RevocationList)',
      [
        'structure',
        'closed sessions',
        'MiB',
        'B / session',
        'id string alone B',
        'build ms',
        'check hit ns',
        'check miss ns',
        'prune pass ms',
      ],
      memoryRows,
      [
        'heap + ArrayBuffers held after a full collection (node --expose-gc), ids included; build: add() of every session from fresh id strings',
        '"id string alone": one session id as a parsed event gives it, the floor of any structure keyed by the string',
      ],
    );
    // BENCH_REVOCATION_START=0: the in-memory part only (the start produces the events first: minutes at 1,000,000).
    if (process.env.BENCH_REVOCATION_START === '0') return;
    const kafka = testKafka('bench-revocations');
    const topics: string[] = [];
    cleanup(() => deleteTopics(kafka, topics));
    const startRows: string[][] = [];
    for (const count of sizes()) startRows.push(await gatewayStart(kafka, count, topics));
    printTable(
      `Gateway start: IdentityTail reads the window into Revocations until caught up (${PARTITIONS} partitions, loopback broker)`,
      ['closed sessions', 'to caught up s', 'events/s', 'heap + buffers held MiB', 'RSS growth MiB'],
      startRows,
      ['the gateway answers /health/ready only once this is done; RSS growth includes kafkajs fetch buffers'],
    );
  },
  600,
);
