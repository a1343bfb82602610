import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventProducer } from '@idstream/messaging';
import { IdempotentConsumer, consumerStoreTableSql, openDataSource } from '@idstream/persistence';
import { createTestDatabase, createTestTopic, testKafka, uniqueName } from '@idstream/testing';
import {
  boundedLoop,
  deleteTopics,
  fmt,
  heading,
  heapMb,
  knob,
  note,
  payload,
  perSecond,
  printTable,
  ratio,
  recordFigure,
  rssMb,
  runBenchmark,
  until,
} from './bench.support';

/**
 * Idempotent consumer: IdempotentConsumer applying N pre-produced events (apply = one INSERT),
 * with its checkpoint and processed ids in the same transaction, against a plain kafkajs
 * eachBatch consumer that only counts (the fetch ceiling) and one that applies the same
 * INSERTs in one transaction per batch without any bookkeeping (what idempotency costs).
 */

const SCHEMA = 'bench';
const EVENT_BYTES = 300;

interface BenchEvent {
  id: string;
  type: 'BenchEvent';
  body: string;
}

interface Run {
  name: string;
  events: number;
  /** From the first batch handed to the consumer to the last one done (excludes the group join). */
  ms: number;
  joinMs: number;
  complete: boolean;
}

const consumerSettings = (groupId: string) => ({
  groupId,
  maxWaitTimeInMs: 100,
  sessionTimeout: 10_000,
  heartbeatInterval: 1000,
  allowAutoTopicCreation: false,
});

/** A plain kafkajs eachBatch consumer from the beginning; `work` runs per batch. */
async function plainConsumer(
  kafka: Kafka,
  topic: string,
  total: number,
  seconds: number,
  name: string,
  work: (messages: KafkaMessage[]) => Promise<void>,
): Promise<Run> {
  const consumer = kafka.consumer(consumerSettings(uniqueName('bench-plain')));
  const t0 = performance.now();
  let joinedAt = 0;
  let first = 0;
  let last = 0;
  let seen = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt ||= performance.now()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        first ||= performance.now();
        await work(batch.messages);
        seen += batch.messages.length;
        last = performance.now();
      },
    });
    const complete = await until(() => seen >= total, seconds);
    return { name, events: seen, ms: last - first, joinMs: (joinedAt || t0) - t0, complete };
  } finally {
    await consumer.disconnect();
  }
}

async function idempotentConsumer(
  deadLetterTopic: string,
  kafka: Kafka,
  dataSource: DataSource,
  deadLetters: EventProducer,
  topic: string,
  total: number,
  seconds: number,
): Promise<Run> {
  let first = 0;
  let last = 0;
  let applied = 0;
  const errors: string[] = [];
  const consumer = new IdempotentConsumer<BenchEvent>(kafka, dataSource, deadLetters, {
    groupId: uniqueName('bench-idempotent'),
    topic,
    schema: SCHEMA,
    // Created by start(); the benchmark deletes it with its other scratch topics.
    deadLetterTopic,
    fromBeginning: true,
    decode: (message) => {
      const event = JSON.parse(message.value!.toString()) as BenchEvent;
      return { kind: 'event', id: event.id, value: event };
    },
    apply: async (manager, event) => {
      first ||= performance.now();
      await manager.query(`INSERT INTO "${SCHEMA}".applied (event_id, body) VALUES ($1, $2)`, [event.id, event.body]);
    },
    afterCommit: (done) => {
      applied += done.length;
      last = performance.now();
    },
    onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
  });
  const t0 = performance.now();
  try {
    await consumer.start();
    await consumer.joined();
    const joinMs = performance.now() - t0;
    const complete = await until(() => applied >= total, seconds);
    if (errors.length > 0) note(`IdempotentConsumer: ${errors.length} errors, first: ${errors[0]}`);
    return { name: 'IdempotentConsumer (INSERT + processed id + checkpoint)', events: applied, ms: last - first, joinMs, complete };
  } finally {
    await consumer.stop();
  }
}

runBenchmark('idempotent-consumer', async (cleanup) => {
  const total = knob('BENCH_CONSUMER_EVENTS', 10_000);
  const seconds = knob('BENCH_CONSUMER_SECONDS', 40);
  heading(
    'Idempotent consumer (300-byte events, 3 partitions, apply = one INSERT)',
    'IdempotentConsumer vs a plain kafkajs eachBatch that only counts (fetch ceiling) and one that INSERTs per batch transaction',
  );

  const db = await createTestDatabase('bench_consumer');
  cleanup(() => db.drop());
  const dataSource = await openDataSource({ url: db.url, schema: SCHEMA, migrations: [], poolSize: 10, applicationName: 'bench-consumer' });
  cleanup(() => dataSource.destroy());
  for (const sql of consumerStoreTableSql(SCHEMA)) await dataSource.query(sql);
  await dataSource.query(`CREATE TABLE "${SCHEMA}".applied (event_id uuid PRIMARY KEY, body text NOT NULL)`);
  await dataSource.query(`CREATE TABLE "${SCHEMA}".applied_plain (event_id uuid PRIMARY KEY, body text NOT NULL)`);

  const kafka = testKafka('bench-consumer');
  const topic = await createTestTopic(kafka, 'bench-consumer', 3);
  cleanup(() => deleteTopics(kafka, [topic]));
  const producer = new EventProducer(kafka);
  cleanup(() => producer.disconnect());
  await producer.connect();

  // The events, produced before any consumer runs: each run reads the same N from offset 0.
  const filler = payload(EVENT_BYTES - 80);
  const produced = await boundedLoop({ count: Math.ceil(total / 500), seconds: 30 }, () => {
    const messages: Message[] = Array.from({ length: 500 }, () => {
      const event: BenchEvent = { id: randomUUID(), type: 'BenchEvent', body: filler };
      return { key: event.id, value: JSON.stringify(event) };
    });
    return producer.send(topic, messages);
  });
  const events = (produced.done - produced.failed) * 500;
  if (produced.failed > 0) note(`producing: ${produced.failed} sends failed, first: ${produced.firstError}`);

  const rssBefore = rssMb();
  const heapBefore = heapMb();
  const ceiling = await plainConsumer(kafka, topic, events, seconds, 'kafkajs eachBatch, counting only', () => Promise.resolve());
  const plainInsert = await plainConsumer(
    kafka,
    topic,
    events,
    seconds,
    'kafkajs eachBatch, INSERTs in 1 transaction per batch',
    (messages) =>
      dataSource.transaction(async (manager) => {
        for (const message of messages) {
          const event = JSON.parse(message.value!.toString()) as BenchEvent;
          await manager.query(`INSERT INTO "${SCHEMA}".applied_plain (event_id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
            event.id,
            event.body,
          ]);
        }
      }),
  );
  const deadLetterTopic = uniqueName('bench-dlq');
  cleanup(() => deleteTopics(kafka, [deadLetterTopic]));
  const idempotent = await idempotentConsumer(deadLetterTopic, kafka, dataSource, producer, topic, events, seconds);
  const rssAfter = rssMb();
  const heapAfter = heapMb();

  const ceilingRate = perSecond(ceiling.events, ceiling.ms);
  const plainInsertRate = perSecond(plainInsert.events, plainInsert.ms);
  const rows = [ceiling, plainInsert, idempotent].map((run) => {
    const rate = perSecond(run.events, run.ms);
    return [
      run.name + (run.complete ? '' : ` (time bound, ${seconds} s)`),
      fmt(run.events, 0),
      fmt(run.joinMs / 1000, 2),
      fmt(run.ms / 1000, 2),
      fmt(rate, 0),
      ratio(rate, ceilingRate),
      run === ceiling ? '' : ratio(rate, plainInsertRate),
    ];
  });
  recordFigure('consumer.idempotent.eventsPerSec', perSecond(idempotent.events, idempotent.ms));
  printTable(
    `Consume ${fmt(events, 0)} events from offset 0`,
    ['case', 'events', 'join s', 'consume s', 'events/s', 'vs ceiling', 'vs plain INSERTs'],
    rows,
    [
      'consume s: from the first batch handed over to the last one done; the group join is apart',
      'the counting consumer is done in a few fetches: its figure is an order of magnitude, the ratios against it are what matter',
      'IdempotentConsumer per event: apply (INSERT); per batch: one INSERT of the processed ids, checkpoint upsert, commit, offset commit (savepoints per event only when an apply fails)',
      `node (all three consumers in turn): RSS ${fmt(rssBefore, 0)} -> ${fmt(rssAfter, 0)} MiB, heap used ${fmt(heapBefore, 1)} -> ${fmt(heapAfter, 1)} MiB (after a GC)`,
    ],
  );
});
