import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Message } from 'kafkajs';
import { EventProducer } from '@idstream/messaging';
import { createTestTopic, repoRoot, testKafka } from '@idstream/testing';
import {
  MB,
  boundedLoop,
  brokers,
  deleteTopics,
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
  type LoopResult,
} from './bench.support';

/**
 * Kafka produce: Kafka's own Java ProducerPerformance (the machine's ceiling for idempotent,
 * acks=all produce) against our EventProducer (kafkajs) sending the same records in arrays of
 * 500 (how the outbox relay sends), one record per send awaited in turn, and one record per
 * send with 32 callers at once (as unbatched request handlers would).
 */

const RECORD_BYTES = 300;

interface JavaFigures {
  records: number;
  msgsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
}

function kafkaJars(): string | undefined {
  if (process.env.BENCH_KAFKA_JARS) return process.env.BENCH_KAFKA_JARS;
  const root = repoRoot();
  const pom = readFileSync(path.join(root, 'scripts/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>(.+?)<\/kafka\.version>/.exec(pom)?.[1];
  const dir = version && path.join(root, '.data/kafka-jars', version);
  return dir && existsSync(path.join(dir, '.complete')) ? dir : undefined;
}

/** Runs ProducerPerformance and reads its summary line; bounded by `seconds` (then killed). */
function javaProducerPerformance(
  jars: string,
  topic: string,
  records: number,
  warmup: number,
  seconds: number,
  extraProps: string[] = [],
): Promise<JavaFigures> {
  const args = [
    '-Xmx256m',
    '-cp',
    `${jars}/*`,
    `-Dlog4j2.configurationFile=${path.join(repoRoot(), 'scripts/kafka/log4j2.properties')}`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--bootstrap-server',
    brokers().join(','),
    '--topic',
    topic,
    '--num-records',
    String(records + warmup),
    '--warmup-records',
    String(warmup),
    '--record-size',
    String(RECORD_BYTES),
    '--throughput',
    '-1',
    '--command-property',
    'acks=all',
    'enable.idempotence=true',
    ...extraProps,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // The summary after the warm-up (JIT compilation, metadata, producer id) is the figure:
      // "70000 steady state records sent, 81037.3 records/sec (23.18 MB/sec), 480.7 ms avg
      // latency, 790.0 ms max latency, 485 ms 50th, 728 ms 95th, 776 ms 99th, 787 ms 99.9th."
      const summary =
        /(\d+) steady state records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(
          output,
        );
      if (code !== 0 || !summary) {
        reject(
          new Error(`ProducerPerformance ended with ${signal ?? code} and no summary:\n${output.trim().split('\n').slice(-15).join('\n')}`),
        );
        return;
      }
      resolve({
        records: Number(summary[1]),
        msgsPerSec: Number(summary[2]),
        mbPerSec: Number(summary[3]),
        avgMs: Number(summary[4]),
        p50Ms: Number(summary[5]),
        p99Ms: Number(summary[6]),
      });
    });
  });
}

interface Measured {
  name: string;
  records: number;
  seconds: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

runBenchmark('kafka-produce', async (cleanup) => {
  const records = knob('BENCH_PRODUCE_RECORDS', 50_000);
  const seconds = knob('BENCH_PRODUCE_SECONDS', 20);
  const singleSeconds = knob('BENCH_PRODUCE_SINGLE_SECONDS', 5);
  heading(
    'Kafka produce (idempotent, acks=all, 300-byte records, 3 partitions)',
    "Kafka's Java ProducerPerformance (the ceiling) vs EventProducer (kafkajs): arrays of 500, one record per send",
  );

  const kafka = testKafka('bench-produce');
  const topic = await createTestTopic(kafka, 'bench-produce', 3);
  cleanup(() => deleteTopics(kafka, [topic]));

  const measured: Measured[] = [];
  const jars = kafkaJars();
  const warmup = Math.round(records / 4);
  let java: JavaFigures | undefined;
  let javaBatched: JavaFigures | undefined;
  if (!jars)
    note('Java baseline skipped: no Kafka jars in .data/kafka-jars (run `npm run kafka:start` once, or `bash scripts/kafka.sh install`)');
  else {
    // Its defaults (batch.size 16 KiB, linger.ms 5), then batches as large as our arrays of 500.
    const variants: [string, string[]][] = [
      ['Java ProducerPerformance, defaults', []],
      ['Java ProducerPerformance, batch.size=160 KiB', ['batch.size=163840', 'linger.ms=10']],
    ];
    for (const [name, props] of variants) {
      try {
        const figures = await javaProducerPerformance(jars, topic, records, warmup, 60, props);
        if (props.length === 0) java = figures;
        else javaBatched = figures;
        const { msgsPerSec, p50Ms, p99Ms } = figures;
        measured.push({ name, records: figures.records, seconds: figures.records / msgsPerSec, msgsPerSec, p50Ms, p99Ms });
      } catch (error) {
        note(`${name} failed: ${(error as Error).message}`);
      }
    }
  }
  if (java) recordFigure('produce.java.msgsPerSec', java.msgsPerSec);

  const producer = new EventProducer(kafka);
  cleanup(() => producer.disconnect());
  await producer.connect();
  const value = payload(RECORD_BYTES);
  // Warm-up: metadata and the producer id, which every first send pays once.
  await producer.send(topic, [{ value }]);
  const rssBefore = rssMb();
  const heapBefore = heapMb();

  const template: Message[] = Array.from({ length: 500 }, () => ({ value }));
  const add = (name: string, loop: LoopResult, perTask: number, figureName?: string) => {
    const sent = (loop.done - loop.failed) * perTask;
    const msgsPerSec = perSecond(sent, loop.elapsedMs);
    const p50Ms = quantile(loop.latencies, 0.5);
    const p99Ms = quantile(loop.latencies, 0.99);
    measured.push({
      name: name + (loop.stoppedBy === 'time' ? ' (time bound)' : ''),
      records: sent,
      seconds: loop.elapsedMs / 1000,
      msgsPerSec,
      p50Ms,
      p99Ms,
    });
    if (loop.failed > 0) note(`${name}: ${loop.failed} sends failed, first: ${loop.firstError}`);
    if (figureName) recordFigure(figureName, msgsPerSec);
  };

  const batches = await boundedLoop({ count: Math.ceil(records / 500), seconds }, () => producer.send(topic, template));
  add('EventProducer, arrays of 500', batches, 500, 'produce.kafkajs.batch500.msgsPerSec');

  const single = await boundedLoop({ count: records, seconds: singleSeconds }, () => producer.send(topic, [{ value }]));
  add('EventProducer, 1 per send, awaited in turn', single, 1, 'produce.kafkajs.single.msgsPerSec');

  const concurrent = await boundedLoop({ count: records, seconds: singleSeconds, concurrency: 32 }, () =>
    producer.send(topic, [{ value }]),
  );
  add('EventProducer, 1 per send, 32 callers at once', concurrent, 1);
  const rssAfter = rssMb();
  const heapAfter = heapMb();

  printTable(
    `Produce: up to ${fmt(records, 0)} records of ${RECORD_BYTES} bytes to ${topic}`,
    ['case', 'records', 's', 'msgs/s', 'MB/s', 'p50 / p99 ms', 'vs Java', 'vs Java 160K'],
    measured.map((m) => [
      m.name,
      fmt(m.records, 0),
      fmt(m.seconds, 2),
      fmt(m.msgsPerSec, 0),
      fmt((m.msgsPerSec * RECORD_BYTES) / MB, 2),
      `${fmt(m.p50Ms, m.p50Ms >= 100 ? 0 : 1)} / ${fmt(m.p99Ms, m.p99Ms >= 100 ? 0 : 1)}`,
      ratio(m.msgsPerSec, java?.msgsPerSec),
      ratio(m.msgsPerSec, javaBatched?.msgsPerSec),
    ]),
    [
      `Java: steady state after ${fmt(warmup, 0)} warm-up records; its latency is per record and includes the wait in its buffer (it produces unthrottled)`,
      'EventProducer: latency per send() (an array of 500 is one send)',
      `node around the kafkajs runs: RSS ${fmt(rssBefore, 0)} -> ${fmt(rssAfter, 0)} MiB, heap used ${fmt(heapBefore, 1)} -> ${fmt(heapAfter, 1)} MiB (after a GC)`,
    ],
  );
});
