import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { TRACKING_EVENT_ACCEPTED, TRACKING_SCHEMA_VERSION, envelopeHeaders, uuidv7, type TrackingRawRecord } from '@idstream/contracts';
import { TestSystem, testKafka, uniqueName } from '@idstream/testing';
import { deleteTopics, fmt, heading, knob, note, printTable, quantile, ratio, recordFigure, runBenchmark, until } from './bench.support';
import { peakRssMb, ProcessWatch, profilingEnv, runLoad, scenarioSeconds, SMOKE } from './end-to-end.support';

/**
 * Tracking from HTTP to `tracking.events`: the gateway's intake (POST /v1/events, batches of
 * 100, from many devices so every partition of tracking.raw works) driven by autocannon in its
 * own process while the ingester is stopped; then the ingester started on the full backlog,
 * counted on `tracking.events` (read_committed, by the records' own timestamps); then the
 * baseline: a plain kafkajs consumer of the same tracking.raw that splits each batch and
 * produces every event to a scratch topic of as many partitions (no validation, no
 * de-duplication, no transaction): the physical limit of consume-and-produce here.
 */

interface Drain {
  events: number;
  /** From the first output record to the last (their timestamps), ms. */
  spanMs: number;
  /** From the start of the consumer (the ingester process, or the raw consumer) to the last record, ms. */
  totalMs: number;
  complete: boolean;
}

/** Counts records on `topic` from the beginning until `expected` arrived or nothing new came for `idleSeconds`. */
async function countArrivals(
  kafka: Kafka,
  topic: string,
  expected: number,
  startedAt: number,
  idleSeconds: number,
  limitSeconds: number,
): Promise<Drain> {
  const consumer = kafka.consumer({ groupId: uniqueName('bench-count'), maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let events = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let lastProgress = Date.now();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const ts = Number(m.timestamp);
          if (ts < first) first = ts;
          if (ts > last) last = ts;
        }
        events += batch.messages.length;
        lastProgress = Date.now();
        await Promise.resolve();
      },
    });
    const deadline = Date.now() + limitSeconds * 1000;
    // `expected` counts the 2xx the load generator saw; requests still in flight when it stopped
    // were accepted too, so past it wait until nothing more comes for 2 s.
    const idleFor = () => Date.now() - lastProgress;
    const complete = await until(
      () => (events >= expected && idleFor() > 2000) || idleFor() > idleSeconds * 1000 || Date.now() > deadline,
      limitSeconds + 1,
      100,
    );
    return { events, spanMs: last - first, totalMs: last - startedAt, complete: complete && events >= expected };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * What the raw copy writes per event. `small`: `{deviceUuid, event}` without headers (the first
 * baseline). `envelope`: the ingester's own output shape, an accepted-event envelope of the same
 * fields and the same three headers, so that both produce the same bytes per event.
 */
type CopyShape = 'small' | 'envelope';

function copyOf(
  shape: CopyShape,
  record: TrackingRawRecord,
  event: Record<string, unknown>,
  index: number,
  partition: number,
  offset: string,
): Message {
  if (shape === 'small') return { key: record.deviceUuid, value: JSON.stringify({ deviceUuid: record.deviceUuid, event }) };
  const envelope = {
    id: uuidv7(),
    type: TRACKING_EVENT_ACCEPTED,
    schemaVersion: TRACKING_SCHEMA_VERSION,
    occurredAt: record.receivedAt,
    workspaceId: WORKSPACE_PLACEHOLDER,
    aggregateId: record.deviceUuid,
    sequence: 1,
    correlationId: record.requestId,
    causationId: null,
    data: {
      eventId: event.id,
      eventType: event.type,
      label: event.label ?? null,
      params: event.params ?? {},
      deviceUuid: record.deviceUuid,
      profileId: null,
      anonymous: true,
      occurredAt: record.receivedAt,
      clientOccurredAt: event.occurredAt ?? null,
      sentAt: record.sentAt,
      receivedAt: record.receivedAt,
      clockSkewMs: null,
      token: { kid: 'k', jti: WORKSPACE_PLACEHOLDER, sid: WORKSPACE_PLACEHOLDER, role: 'anonymous' },
      requestId: record.requestId,
      source: { topic: 'tracking.raw', partition, offset, index },
    },
  };
  return {
    key: `${WORKSPACE_PLACEHOLDER}:${record.deviceUuid}`,
    value: JSON.stringify(envelope),
    headers: envelopeHeaders(envelope),
  };
}
const WORKSPACE_PLACEHOLDER = '0190d0b0-0000-7000-8000-000000000000';

/** The baseline: consume tracking.raw, split every batch into its events, produce each to `target`. */
async function rawConsumeAndProduce(
  kafka: Kafka,
  source: string,
  target: string,
  expected: number,
  limitSeconds: number,
  shape: CopyShape,
): Promise<Drain> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-raw-copy'), maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await producer.connect();
  const startedAt = Date.now();
  let events = 0;
  let first = 0;
  let last = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        first ||= Date.now();
        const out = batch.messages.flatMap((m: KafkaMessage) => {
          const record = JSON.parse(m.value!.toString()) as TrackingRawRecord;
          return record.events.map((event, i) => copyOf(shape, record, event as Record<string, unknown>, i, batch.partition, m.offset));
        });
        // 1,000 small records or 400 envelopes a request: with one partition, the whole request is one record batch (≤ 1 MiB).
        const perSend = shape === 'small' ? 1000 : 400;
        for (let i = 0; i < out.length; i += perSend) await producer.send({ topic: target, acks: -1, messages: out.slice(i, i + perSend) });
        events += out.length;
        last = Date.now();
      },
    });
    const complete = await until(() => events >= expected && Date.now() - last > 2000, limitSeconds, 50);
    return { events, spanMs: last - first, totalMs: last - startedAt, complete };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/**
 * HTTP → `tracking.events` latency as a downstream consumer sees it: a read_committed consumer
 * of `topic`, joined before the load starts, takes for each event the time from the `sentAt`
 * the load generator put in its request (the send time, ms) to the moment the event reached
 * it (after the ingester's transaction committed). Same machine, same clock.
 */
class ArrivalLatency {
  readonly latencies: number[] = [];
  private lastProgress = Date.now();
  private readonly consumer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: uniqueName('bench-latency'), maxWaitTimeInMs: 20, allowAutoTopicCreation: false });
  }

  /** Resolves once the consumer joined its group and holds every partition (from the end: only new events count). */
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const sentAt = Date.parse((JSON.parse(m.value!.toString()) as { data: { sentAt: string } }).data.sentAt);
          this.latencies.push(now - sentAt);
        }
        this.lastProgress = now;
        await Promise.resolve();
      },
    });
    await joined;
  }

  /** Waits until `expected` events arrived or nothing new came for 5 s; the latencies, ascending. */
  async finish(expected: number, limitSeconds: number): Promise<number[]> {
    this.lastProgress = Date.now(); // the 5 s of silence count from the end of the load
    try {
      await until(() => this.latencies.length >= expected || Date.now() - this.lastProgress > 5000, limitSeconds, 50);
      return [...this.latencies].sort((a, b) => a - b);
    } finally {
      await this.consumer.disconnect();
    }
  }
}

runBenchmark(
  'tracking-pipeline',
  async (cleanup) => {
    const seconds = scenarioSeconds();
    const connections = knob('BENCH_E2E_CONNECTIONS', 32);
    const deviceCount = SMOKE ? 12 : knob('BENCH_TRACKING_DEVICES', 64);
    const drainLimit = knob('BENCH_TRACKING_DRAIN_SECONDS', SMOKE ? 60 : 600);
    // BENCH_PARTITIONS: the partitions of tracking.raw, tracking.events and the raw copy's topic (the scaling figures, issue 14 part 3).
    const partitions = knob('BENCH_PARTITIONS', knob('TRACKING_PARTITIONS', 6));
    process.env.TRACKING_PARTITIONS = String(partitions);
    recordFigure('e2e.tracking.partitions', partitions);
    heading(
      `Tracking, HTTP → tracking.raw → ingester → tracking.events (${deviceCount} devices, ${partitions} partitions, batches of 100, intake ${seconds} s)`,
      'gateway intake events/s; ingester drain events/s vs plain kafkajs consume-split-produce of the same tracking.raw',
    );
    const system = new TestSystem();
    const kafka = testKafka('bench-tracking');
    const scratch = `${system.topicPrefix}bench.raw-copy`;
    const scratchEnvelopes = `${system.topicPrefix}bench.raw-copy-envelopes`;
    cleanup(() => deleteTopics(kafka, [...Object.values(system.topics), scratch, scratchEnvelopes]));
    cleanup(() => system.stop());
    await system.start(['auth', 'gateway'], { GATEWAY_RATE_LIMIT_PER_SECOND: '0' });
    const apiKey = system.clientApiKey;
    const devices: Record<string, string>[] = [];
    for (let i = 0; i < deviceCount; i++) {
      const res = await system.http<{ token: string }>('POST', '/v1/auth/anonymous', { body: { apiKey } });
      if (res.status !== 200) throw new Error(`anonymous: ${res.status}`);
      devices.push({ authorization: `Bearer ${res.body.token}` });
    }
    const pid = (app: 'gateway' | 'auth' | 'tracking-ingester') => system.processes.get(app)?.child.pid;

    const intakeWatch = new ProcessWatch(() => new Map([['gateway', pid('gateway')]]));
    intakeWatch.begin();
    const intake = await runLoad({
      url: system.gatewayUrl,
      method: 'POST',
      path: '/v1/events',
      connections,
      duration: seconds,
      trackingBatch: 100,
      pool: { headers: devices },
    });
    const intakeUsage = intakeWatch.end().get('gateway')!;
    const accepted = intake.ok * 100;
    if (intake.non2xx + intake.errors > 0)
      note(`intake: ${intake.non2xx} non-2xx, ${intake.errors} errors (${JSON.stringify(intake.statusCodes)})`);
    recordFigure('e2e.tracking.intake.eventsPerSecond', accepted / intake.seconds);
    recordFigure('e2e.tracking.intake.p99Ms', intake.latency.p99);
    if (intakeUsage.peakRssMb !== undefined) recordFigure('e2e.tracking.intake.peakRssMb.gateway', intakeUsage.peakRssMb);

    // The ingester, started on the whole backlog with a fresh consumer group.
    const ingesterStart = Date.now();
    system.startApp('tracking-ingester', profilingEnv());
    const ingesterWatch = new ProcessWatch(() => new Map([['tracking-ingester', pid('tracking-ingester')]]));
    await system.waitReady(['tracking-ingester']);
    ingesterWatch.begin();
    const ingest = await countArrivals(kafka, system.topics.trackingEvents, accepted, ingesterStart, 30, drainLimit);
    const ingesterUsage = ingesterWatch.end().get('tracking-ingester')!;
    const ingesterPeak = Math.max(ingesterUsage.peakRssMb ?? 0, peakRssMb(pid('tracking-ingester')) ?? 0);
    const ingestRate = (ingest.events * 1000) / ingest.spanMs;
    recordFigure('e2e.tracking.ingester.eventsPerSecond', ingestRate);
    recordFigure('e2e.tracking.ingester.peakRssMb.tracking-ingester', ingesterPeak);
    if (ingesterUsage.cpuMs !== undefined) recordFigure('e2e.tracking.ingester.cpuMsPer1000', (ingesterUsage.cpuMs * 1000) / ingest.events);

    // Stopped first, so the baseline has the cores the ingester had.
    await system.stopApp('tracking-ingester');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [scratch, scratchEnvelopes].map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const cpuBefore = process.cpuUsage();
    const raw = await rawConsumeAndProduce(kafka, system.topics.trackingRaw, scratch, accepted, drainLimit, 'small');
    const rawCpu = process.cpuUsage(cpuBefore);
    const rawRate = (raw.events * 1000) / raw.spanMs;
    recordFigure('e2e.tracking.raw.eventsPerSecond', rawRate);
    recordFigure('e2e.tracking.raw.cpuMsPer1000', ((rawCpu.user + rawCpu.system) * 1000) / 1000 / Math.max(1, raw.events));
    const envCpuBefore = process.cpuUsage();
    const rawEnv = await rawConsumeAndProduce(kafka, system.topics.trackingRaw, scratchEnvelopes, accepted, drainLimit, 'envelope');
    const rawEnvCpu = process.cpuUsage(envCpuBefore);
    const rawEnvRate = (rawEnv.events * 1000) / rawEnv.spanMs;
    recordFigure('e2e.tracking.rawEnvelope.eventsPerSecond', rawEnvRate);
    recordFigure('e2e.tracking.rawEnvelope.cpuMsPer1000', ((rawEnvCpu.user + rawEnvCpu.system) / 1000 / Math.max(1, rawEnv.events)) * 1000);

    // Latency, HTTP → tracking.events, with the ingester running (its group resumes where the
    // drain stopped) and a steady load at half the ingester's drain rate.
    const steadyEventsPerSecond = Math.max(100, Math.floor(ingestRate / 2));
    const latencyBatch = 100; // as in the drain, so that half its rate is half of what the ingester did
    system.startApp('tracking-ingester', profilingEnv());
    await system.waitReady(['tracking-ingester']);
    const arrivals = new ArrivalLatency(kafka, system.topics.trackingEvents);
    await arrivals.start();
    // A first event through the whole path: then the ingester's group has joined and fetches.
    const probe = await system.http('POST', '/v1/events', {
      headers: devices[0],
      body: { sentAt: new Date().toISOString(), events: [{ id: randomUUID(), type: 'bench.probe' }] },
    });
    if (probe.status !== 202) throw new Error(`latency probe: ${probe.status}`);
    if (!(await until(() => arrivals.latencies.length > 0, 60, 50))) throw new Error('latency probe: not on tracking.events after 60 s');
    arrivals.latencies.length = 0;
    const steady = await runLoad({
      url: system.gatewayUrl,
      method: 'POST',
      path: '/v1/events',
      connections: 16,
      duration: seconds,
      overallRate: Math.max(1, Math.round(steadyEventsPerSecond / latencyBatch)),
      trackingBatch: latencyBatch,
      pool: { headers: devices },
    });
    const latencies = await arrivals.finish(steady.ok * latencyBatch, SMOKE ? 30 : 120);
    await system.stopApp('tracking-ingester');
    const p = (q: number) => (latencies.length === 0 ? undefined : quantile(latencies, q));
    recordFigure('e2e.tracking.latency.eventsPerSecond', (steady.ok * latencyBatch) / steady.seconds);
    if (latencies.length > 0) {
      recordFigure('e2e.tracking.latency.p50Ms', p(0.5)!);
      recordFigure('e2e.tracking.latency.p99Ms', p(0.99)!);
    }
    if (latencies.length < steady.ok * latencyBatch)
      note(`latency: ${latencies.length} of ${steady.ok * latencyBatch} accepted events arrived on tracking.events`);

    const cpuPer1000 = (cpuMs: number | undefined, events: number) =>
      cpuMs === undefined || events === 0 ? undefined : (cpuMs * 1000) / events;
    printTable(
      'Tracking pipeline',
      ['stage', 'events', 'complete', 'events/s', 'first → last s', 'start → last s', 'CPU ms / 1000 ev', 'peak RSS MiB', 'vs raw'],
      [
        [
          `gateway intake, ${connections} conn. (p50 ${fmt(intake.latency.p50, 0)} / p99 ${fmt(intake.latency.p99, 0)} ms per batch)`,
          fmt(accepted, 0),
          '',
          fmt(accepted / intake.seconds, 0),
          fmt(intake.seconds, 1),
          '',
          fmt(cpuPer1000(intakeUsage.cpuMs, accepted), 1),
          fmt(intakeUsage.peakRssMb, 0),
          '',
        ],
        [
          'ingester, tracking.raw → tracking.events',
          fmt(ingest.events, 0),
          ingest.complete ? 'yes' : 'NO',
          fmt(ingestRate, 0),
          fmt(ingest.spanMs / 1000, 1),
          fmt(ingest.totalMs / 1000, 1),
          fmt(cpuPer1000(ingesterUsage.cpuMs, ingest.events), 1),
          fmt(ingesterPeak, 0),
          ratio(ingestRate, rawRate),
        ],
        [
          'raw kafkajs consume + split + produce',
          fmt(raw.events, 0),
          raw.complete ? 'yes' : 'NO',
          fmt(rawRate, 0),
          fmt(raw.spanMs / 1000, 1),
          fmt(raw.totalMs / 1000, 1),
          fmt(cpuPer1000((rawCpu.user + rawCpu.system) / 1000, raw.events), 1),
          '',
          '1×',
        ],
        [
          "raw kafkajs copy, the ingester's envelope + 3 headers",
          fmt(rawEnv.events, 0),
          rawEnv.complete ? 'yes' : 'NO',
          fmt(rawEnvRate, 0),
          fmt(rawEnv.spanMs / 1000, 1),
          fmt(rawEnv.totalMs / 1000, 1),
          fmt(cpuPer1000((rawEnvCpu.user + rawEnvCpu.system) / 1000, rawEnv.events), 1),
          '',
          ratio(rawEnvRate, rawRate),
        ],
      ],
      [
        `ingester ÷ the envelope copy (the same bytes out per event): ${ratio(ingestRate, rawEnvRate)}`,
        `HTTP → tracking.events at a steady ${fmt((steady.ok * latencyBatch) / steady.seconds, 0)} events/s (half the drain rate, batches of ${latencyBatch}): p50 ${fmt(p(0.5), 0)} / p99 ${fmt(p(0.99), 0)} ms over ${latencies.length} events (from sentAt in the request to its arrival at a read_committed consumer)`,
        'events/s of the ingester and the raw copy: output records over the time between the first and the last of them',
        'start → last: from the ingester process spawned (or the raw consumer started) to the last output record, with the group join',
        `${deviceCount} devices; tracking.raw has ${partitions} partitions; the raw copy runs in this process, 3 partitions at once, like the ingester`,
      ],
    );
  },
  SMOKE ? 150 : 1200,
);
