import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EventProducer } from '@idstream/messaging';
import { OutboxRelay, appendToOutbox, outboxTableSql, type OutboxMessage, openDataSource } from '@idstream/persistence';
import { createTestDatabase, createTestTopic, testKafka } from '@idstream/testing';
import {
  boundedLoop,
  deleteTopics,
  figure,
  fmt,
  heading,
  heapMb,
  knob,
  note,
  payload,
  perSecond,
  printTable,
  quantile,
  ratio,
  recordFigure,
  rssMb,
  runBenchmark,
  until,
  type LoopResult,
} from './bench.support';

/**
 * Outbox → Kafka: events appended with appendToOutbox in transactions of 1 and of 100, published
 * by a running OutboxRelay until drained. End to end is the first commit to the last Kafka
 * acknowledgement (the relay marks a row only after the ack), against the raw EventProducer
 * figure of the produce benchmark (arrays of 500, as the relay sends).
 */

const SCHEMA = 'bench';
const RECORD_BYTES = 300;

interface CaseFigures {
  name: string;
  events: number;
  commitSeconds: number;
  endToEndSeconds: number;
  p50Ms: number;
  p99Ms: number;
  drained: boolean;
  stoppedByTime: boolean;
}

async function lastPosition(dataSource: DataSource): Promise<string> {
  const rows: { last: string | null }[] = await dataSource.query(`SELECT max(position)::text AS last FROM "${SCHEMA}".outbox`);
  return rows[0]?.last ?? '0';
}

async function runCase(
  dataSource: DataSource,
  topic: string,
  options: { name: string; events: number; perTransaction: number; writers: number; seconds: number },
): Promise<CaseFigures> {
  const value = payload(RECORD_BYTES);
  const messages = (): OutboxMessage[] =>
    Array.from({ length: options.perTransaction }, () => ({
      eventId: randomUUID(),
      topic,
      key: randomUUID(),
      value,
      headers: { 'event-type': 'BenchEvent' },
    }));
  const after = await lastPosition(dataSource);
  const loop = await boundedLoop(
    { count: Math.ceil(options.events / options.perTransaction), seconds: options.seconds, concurrency: options.writers },
    () => dataSource.transaction((manager) => appendToOutbox(manager, SCHEMA, messages())),
  );
  if (loop.failed > 0) note(`${options.name}: ${loop.failed} transactions failed, first: ${loop.firstError}`);
  const unpublished = async () => {
    const rows: { n: number }[] = await dataSource.query(
      `SELECT count(*)::int AS n FROM "${SCHEMA}".outbox WHERE published_at IS NULL AND position > $1`,
      [after],
    );
    return rows[0]?.n ?? 0;
  };
  const drained = await until(async () => (await unpublished()) === 0, 60);
  // Database clock for both ends: created_at is the commit's transaction start, published_at
  // is written right after Kafka acknowledged the row.
  const stats: { n: number; span: number; p50: number; p99: number }[] = await dataSource.query(
    `SELECT count(*)::int AS n,
            extract(epoch FROM max(published_at) - min(created_at))::float8 AS span,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at))::float8 AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at))::float8 AS p99
       FROM "${SCHEMA}".outbox WHERE position > $1 AND published_at IS NOT NULL`,
    [after],
  );
  const s = stats[0]!;
  return {
    name: options.name,
    events: s.n,
    commitSeconds: loop.elapsedMs / 1000,
    endToEndSeconds: s.span,
    p50Ms: s.p50 * 1000,
    p99Ms: s.p99 * 1000,
    drained,
    stoppedByTime: loop.stoppedBy === 'time',
  };
}

runBenchmark('outbox-relay', async (cleanup) => {
  const singleEvents = knob('BENCH_OUTBOX_SINGLE_EVENTS', 2_000);
  const batchedEvents = knob('BENCH_OUTBOX_BATCHED_EVENTS', 20_000);
  const seconds = knob('BENCH_OUTBOX_SECONDS', 15);
  const writers = knob('BENCH_OUTBOX_WRITERS', 8);
  heading(
    'Outbox → Kafka (appendToOutbox + OutboxRelay, 300-byte events, 3 partitions)',
    'events/s from the first commit to the last Kafka ack, transactions of 1 and of 100 events, vs raw EventProducer arrays of 500',
  );

  const db = await createTestDatabase('bench_outbox');
  cleanup(() => db.drop());
  const dataSource = await openDataSource({ url: db.url, schema: SCHEMA, migrations: [], poolSize: 10, applicationName: 'bench-outbox' });
  cleanup(() => dataSource.destroy());
  for (const sql of outboxTableSql(SCHEMA)) await dataSource.query(sql);

  const kafka = testKafka('bench-outbox');
  const topic = await createTestTopic(kafka, 'bench-outbox', 3);
  cleanup(() => deleteTopics(kafka, [topic]));
  const producer = new EventProducer(kafka);
  cleanup(() => producer.disconnect());
  await producer.connect();

  // The raw figure of this run's produce benchmark; measured here when it did not run.
  let raw = figure('produce.kafkajs.batch500.msgsPerSec');
  let rawSource = 'from the kafka-produce benchmark of this run';
  if (raw === undefined) {
    const messages = Array.from({ length: 500 }, () => ({ value: payload(RECORD_BYTES) }));
    await producer.send(topic, messages);
    const loop = await boundedLoop({ count: 40, seconds: 10 }, () => producer.send(topic, messages));
    raw = perSecond((loop.done - loop.failed) * 500, loop.elapsedMs);
    rawSource = 'measured here (the kafka-produce benchmark did not run)';
  }

  const relayErrors: string[] = [];
  const relay = new OutboxRelay(dataSource, producer, {
    schema: SCHEMA,
    databaseUrl: db.url,
    onError: (error) => relayErrors.push(error instanceof Error ? error.message : String(error)),
  });
  await relay.start();
  cleanup(() => relay.stop());

  // Warm-up: the relay's first lock, query plans, the producer's metadata.
  await runCase(dataSource, topic, { name: 'warm-up', events: 100, perTransaction: 1, writers, seconds: 10 });
  const rssBefore = rssMb();
  const heapBefore = heapMb();
  const cases = [
    await runCase(dataSource, topic, {
      name: `1 event per transaction, ${writers} writers`,
      events: singleEvents,
      perTransaction: 1,
      writers,
      seconds,
    }),
    await runCase(dataSource, topic, {
      name: `100 events per transaction, ${Math.min(writers, 4)} writers`,
      events: batchedEvents,
      perTransaction: 100,
      writers: Math.min(writers, 4),
      seconds,
    }),
  ];
  const rssAfter = rssMb();
  const heapAfter = heapMb();

  // What 1-event transactions cost without the relay: the same INSERT alone, then with the
  // pg_notify appendToOutbox adds when no relay of its own process leads (PostgreSQL serializes
  // the commits of notifying transactions; a leading relay in the process is woken directly).
  await dataSource.query(`CREATE TABLE "${SCHEMA}".sink (LIKE "${SCHEMA}".outbox INCLUDING ALL)`);
  const ceilingSeconds = knob('BENCH_OUTBOX_CEILING_SECONDS', 2);
  const value = payload(RECORD_BYTES);
  const insertOne = (second?: string) => () =>
    dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO "${SCHEMA}".sink (event_id, topic, message_key, value, headers) VALUES ($1, $2, $3, $4, $5::jsonb)`,
        [randomUUID(), topic, randomUUID(), value, JSON.stringify({ 'event-type': 'BenchEvent' })],
      );
      if (second) await manager.query(second, ['idstream_bench_nobody', '']);
    });
  const ceilingLoop = (second?: string) =>
    boundedLoop({ count: 100_000, seconds: ceilingSeconds, concurrency: writers }, insertOne(second));
  const plainInserts = await ceilingLoop();
  // The same extra round trip without NOTIFY, to tell the round trip from the commit serialization.
  const twoStatements = await ceilingLoop('SELECT $1::text, $2::text');
  const notifyingInserts = await ceilingLoop('SELECT pg_notify($1, $2)');

  const rows = cases.map((c) => {
    const endToEnd = perSecond(c.events, c.endToEndSeconds * 1000);
    return [
      c.name + (c.stoppedByTime ? ' (time bound)' : '') + (c.drained ? '' : ' (NOT drained in 60 s)'),
      fmt(c.events, 0),
      fmt(perSecond(c.events, c.commitSeconds * 1000), 0),
      fmt(c.endToEndSeconds, 2),
      fmt(endToEnd, 0),
      `${fmt(c.p50Ms, 1)} / ${fmt(c.p99Ms, 1)}`,
      ratio(endToEnd, raw),
    ];
  });
  rows.push(['raw EventProducer, arrays of 500', '', '', '', fmt(raw, 0), '', '1×']);
  recordFigure('outbox.tx1.eventsPerSec', perSecond(cases[0]!.events, cases[0]!.endToEndSeconds * 1000));
  recordFigure('outbox.tx100.eventsPerSec', perSecond(cases[1]!.events, cases[1]!.endToEndSeconds * 1000));

  printTable(
    'Outbox: commit -> relay -> Kafka ack -> row marked',
    ['case', 'events', 'commits ev/s', 'e2e s', 'e2e events/s', 'commit->ack p50 / p99 ms', 'vs raw'],
    rows,
    [
      `raw: ${rawSource}`,
      'commits ev/s: events committed per second while the relay publishes; e2e: first commit to last ack (database clock)',
      `node (writers + relay in one process): RSS ${fmt(rssBefore, 0)} -> ${fmt(rssAfter, 0)} MiB, heap used ${fmt(heapBefore, 1)} -> ${fmt(heapAfter, 1)} MiB (after a GC)`,
      ...(relayErrors.length > 0 ? [`relay errors: ${relayErrors.length}, first: ${relayErrors[0]}`] : []),
    ],
  );
  const commitRate = (loop: LoopResult) => perSecond(loop.done - loop.failed, loop.elapsedMs);
  const plainRate = commitRate(plainInserts);
  const singleCommits = perSecond(cases[0]!.events, cases[0]!.commitSeconds * 1000);
  const ceilingRow = (name: string, loop: LoopResult) => [
    name,
    fmt(loop.done, 0),
    fmt(commitRate(loop), 0),
    `${fmt(quantile(loop.latencies, 0.5), 1)} / ${fmt(quantile(loop.latencies, 0.99), 1)}`,
    ratio(commitRate(loop), plainRate),
  ];
  printTable(
    `PostgreSQL ceiling for 1-event transactions (${writers} writers, no relay, ${ceilingSeconds} s each)`,
    ['case', 'commits', 'commits/s', 'p50 / p99 ms', 'vs INSERT only'],
    [
      ceilingRow('INSERT only', plainInserts),
      ceilingRow('INSERT + SELECT (one more round trip)', twoStatements),
      ceilingRow('INSERT + pg_notify (appendToOutbox when no relay of its process leads)', notifyingInserts),
      [
        'appendToOutbox with the relay running (above)',
        fmt(cases[0]!.events, 0),
        fmt(singleCommits, 0),
        '',
        ratio(singleCommits, plainRate),
      ],
    ],
    [
      ...[plainInserts, twoStatements, notifyingInserts]
        .filter((l) => l.failed > 0)
        .map((l) => `failed: ${l.failed}, first: ${l.firstError}`),
    ],
  );
});
