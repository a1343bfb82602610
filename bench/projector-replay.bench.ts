import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { envelopeHeaders, IDENTITY_SCHEMA_VERSION, uuidv7, type Envelope } from '@idstream/contracts';
import { ensureTopics } from '@idstream/messaging';
import { TestSystem, testKafka, uniqueName } from '@idstream/testing';
import {
  deleteTopics,
  fmt,
  heading,
  knob,
  note,
  printTable,
  processCpuMs,
  ratio,
  recordFigure,
  runBenchmark,
  until,
} from './bench.support';
import { peakRssMb, profilingEnv, SMOKE } from './end-to-end.support';

/**
 * Projector replay: N identity events (AnonymousClientCreated, one device each, as auth writes
 * them) produced to a fresh identity.events, then the profile projector started with a fresh
 * consumer group and database, timed until its committed offsets reach the end of the topic.
 * The baseline is a plain kafkajs consumer of the same topic that only counts (the fetch
 * ceiling). BENCH_REPLAY_EVENTS sets N (1,000,000; 2,000 in smoke mode).
 */

async function produceIdentityEvents(kafka: Kafka, topic: string, total: number): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const workspaceId = uuidv7();
  const t0 = performance.now();
  try {
    for (let sent = 0; sent < total;) {
      const size = Math.min(1000, total - sent);
      const messages = Array.from({ length: size }, () => {
        const uuid = randomUUID();
        const envelope: Envelope<'AnonymousClientCreated', { uuid: string }> = {
          id: uuidv7(),
          type: 'AnonymousClientCreated',
          schemaVersion: IDENTITY_SCHEMA_VERSION,
          occurredAt: new Date().toISOString(),
          workspaceId,
          aggregateId: uuid,
          sequence: 1,
          correlationId: randomUUID(),
          causationId: null,
          data: { uuid },
        };
        return { key: uuid, value: JSON.stringify(envelope), headers: envelopeHeaders(envelope) };
      });
      await producer.send({ topic, acks: -1, messages });
      sent += size;
    }
  } finally {
    await producer.disconnect();
  }
  return performance.now() - t0;
}

/** Sum over partitions of what `groupId` committed, and of the topic's end offsets. */
async function progress(kafka: Kafka, groupId: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets, ends] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
    const committed = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
    return { committed, end: ends.reduce((n, p) => n + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

async function countingConsumer(kafka: Kafka, topic: string, total: number, limitSeconds: number): Promise<{ events: number; ms: number }> {
  const consumer = kafka.consumer({ groupId: uniqueName('bench-replay-fetch'), maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let events = 0;
  let first = 0;
  let last = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        first ||= performance.now();
        events += batch.messages.length;
        last = performance.now();
        await Promise.resolve();
      },
    });
    await until(() => events >= total, limitSeconds, 50);
    return { events, ms: last - first };
  } finally {
    await consumer.disconnect();
  }
}

runBenchmark(
  'projector-replay',
  async (cleanup) => {
    const total = SMOKE ? 2000 : knob('BENCH_REPLAY_EVENTS', 1_000_000);
    const limitSeconds = knob('BENCH_REPLAY_SECONDS', SMOKE ? 60 : 1500);
    // BENCH_PARTITIONS: the partitions of identity.events (the scaling figures, issue 14 part 3).
    const partitions = knob('BENCH_PARTITIONS', 3);
    process.env.IDENTITY_EVENTS_PARTITIONS = String(partitions);
    recordFigure('e2e.replay.partitions', partitions);
    heading(
      `Projector replay of ${fmt(total, 0)} identity events (AnonymousClientCreated, ${partitions} partitions)`,
      'profile projector from offset 0 to the end (committed offsets) vs a kafkajs consumer that only counts',
    );
    const system = new TestSystem();
    const kafka = testKafka('bench-replay');
    cleanup(() => deleteTopics(kafka, Object.values(system.topics)));
    cleanup(() => system.stop());
    await system.start([]);
    const topic = system.topics.identityEvents;
    await ensureTopics(kafka, [{ topic, partitions, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } }]);
    const produceMs = await produceIdentityEvents(kafka, topic, total);
    note(`produced ${fmt(total, 0)} events in ${fmt(produceMs / 1000, 1)} s`);

    const fetch = await countingConsumer(kafka, topic, total, limitSeconds);
    const fetchRate = (fetch.events * 1000) / fetch.ms;

    const spawnedAt = performance.now();
    const projector = system.startApp('profile-projector', profilingEnv());
    const cpuAtSpawn = processCpuMs(projector.child.pid) ?? 0;
    let firstProgressAt = 0;
    let committed = 0;
    let peakRss = 0;
    const caughtUp = await until(
      async () => {
        peakRss = Math.max(peakRss, peakRssMb(projector.child.pid) ?? 0);
        if (projector.child.exitCode !== null || projector.child.signalCode !== null)
          throw new Error(`projector exited:\n${projector.output.slice(-20).join('\n')}`);
        ({ committed } = await progress(kafka, system.env.PROJECTOR_GROUP_ID!, topic));
        if (committed > 0) firstProgressAt ||= performance.now();
        return committed >= total;
      },
      limitSeconds,
      500,
    );
    const doneAt = performance.now();
    // On a shared machine the projector may get a fraction of a core: its CPU per event is the steadier figure.
    const cpuMs = (processCpuMs(projector.child.pid) ?? Number.NaN) - cpuAtSpawn;
    const perCpuSecond = (committed * 1000) / cpuMs;
    const replayRate = (committed * 1000) / (doneAt - (firstProgressAt || spawnedAt));
    recordFigure('e2e.replay.events', total);
    recordFigure('e2e.replay.projector.eventsPerSecond', replayRate);
    recordFigure('e2e.replay.fetch.eventsPerSecond', fetchRate);
    recordFigure('e2e.replay.peakRssMb.profile-projector', peakRss);
    recordFigure('e2e.replay.projector.eventsPerCpuSecond', perCpuSecond);

    printTable(
      'Projector replay',
      ['consumer', 'events', 'caught up', 'events/s', 'events per CPU s', 'spawn → end s', 'peak RSS MiB', 'vs fetch'],
      [
        [
          'profile projector (IdempotentConsumer + PostgreSQL)',
          fmt(committed, 0),
          caughtUp ? 'yes' : 'NO',
          fmt(replayRate, 0),
          fmt(perCpuSecond, 0),
          fmt((doneAt - spawnedAt) / 1000, 1),
          fmt(peakRss, 0),
          ratio(replayRate, fetchRate),
        ],
        [
          'kafkajs eachBatch, counting only',
          fmt(fetch.events, 0),
          fetch.events >= total ? 'yes' : 'NO',
          fmt(fetchRate, 0),
          '',
          '',
          '',
          '1×',
        ],
      ],
      [
        'projector events/s: committed offsets over the time from its first commit to the last (polled every 0.5 s)',
        'spawn → end: with the process start, migrations and the group join; events per CPU s: committed events over the CPU time of the projector process (from its spawn)',
      ],
    );
  },
  SMOKE ? 120 : 1800,
);
