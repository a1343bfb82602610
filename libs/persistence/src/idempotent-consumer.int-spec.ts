// The IdempotentConsumer against real parts and its faults: a process killed mid-batch, a
// graceful SIGTERM, poison messages, lost or wrong Kafka offsets. Effects go to
// `applied_log`, which has no unique constraint: a double application would show.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Consumer } from 'kafkajs';
import { EnvelopeHeaders, Topics, type IdentityEvent } from '@idstream/contracts';
import { testKafka, TopicReader, startNodeProcess, uniqueName, waitFor, type RunningProcess } from '@idstream/testing';
import { DeadLetterHeaders } from '@idstream/messaging';
import { DEFAULT_MAX_BYTES_PER_PARTITION } from './idempotent-consumer';
import { EventProducer } from '@idstream/messaging';
import {
  anonymousClientCreated,
  checkpointAtEnd,
  Cleanup,
  countRows,
  createScratchTopic,
  ensureIdentityTopic,
  kafkaMessage,
  openTestBed,
  setGroupOffset,
  startTestConsumer,
  type TestBed,
} from './test-support/messaging.fixture';

const kafka = testKafka('consumer-it');

async function connectedProducer(cleanup: Cleanup): Promise<EventProducer> {
  const producer = new EventProducer(kafka);
  await producer.connect();
  cleanup.add('disconnect producer', () => producer.disconnect());
  return producer;
}

async function readTopic(cleanup: Cleanup, topic: string): Promise<TopicReader> {
  const reader = await new TopicReader(kafka, topic).start();
  cleanup.add(`stop reader of ${topic}`, () => reader.stop());
  return reader;
}

const logRows = (bed: TestBed) => countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".applied_log`);
const logDistinct = (bed: TestBed) => countRows(bed.dataSource, `SELECT count(DISTINCT event_id) AS n FROM "${bed.schema}".applied_log`);
const appliedCount = (bed: TestBed, eventId: string) =>
  countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".applied_log WHERE event_id = $1`, [eventId]);
const processedCount = (bed: TestBed, groupId: string) =>
  countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".processed_events WHERE group_id = $1`, [groupId]);

async function loggedIds(bed: TestBed): Promise<string[]> {
  const rows: { event_id: string }[] = await bed.dataSource.query(
    `SELECT DISTINCT event_id FROM "${bed.schema}".applied_log ORDER BY event_id`,
  );
  return rows.map((r) => r.event_id);
}

/** `perAggregate` events for each of `aggregates` new devices, interleaved across aggregates. */
function identityEvents(aggregates: number, perAggregate: number): { devices: string[]; events: IdentityEvent[] } {
  const devices = Array.from({ length: aggregates }, () => randomUUID());
  const events: IdentityEvent[] = [];
  for (let sequence = 1; sequence <= perAggregate; sequence++)
    for (const device of devices) events.push(anonymousClientCreated(device, sequence));
  return { devices, events };
}

const appliedLines = (p: RunningProcess) => p.output.filter((line) => line.startsWith('applied ')).length;

/** Resolves once the child exited and its output was read to the end. */
async function ended(p: RunningProcess): Promise<number | string> {
  if (p.child.stdout!.readableEnded && p.child.stderr!.readableEnded) return p.exited;
  await Promise.all([p.exited, once(p.child, 'close')]);
  return p.exited;
}

/** Sets up the crash scenario: N events on identity.events for a child consumer that starts at "now". */
async function crashScenario(cleanup: Cleanup, label: string, aggregates: number, perAggregate: number) {
  const bed = await openTestBed(cleanup, label);
  const groupId = `counter-${randomUUID()}`;
  const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'dlq-counter');
  await checkpointAtEnd(kafka, bed.dataSource, bed.schema, groupId, Topics.identityEvents);
  const { devices, events } = identityEvents(aggregates, perAggregate);
  await (await connectedProducer(cleanup)).send(Topics.identityEvents, events.map(kafkaMessage));
  const env = {
    DATABASE_URL: bed.url,
    SCHEMA: bed.schema,
    GROUP_ID: groupId,
    DLQ_TOPIC: deadLetterTopic,
    AGGREGATE_IDS: devices.join(','),
    APPLY_SLEEP_S: '0.005',
  };
  const start = (): RunningProcess => {
    const child = startNodeProcess('test/fixtures/counter-consumer.js', env);
    cleanup.add('kill counter-consumer', () => child.stop('SIGKILL'));
    return child;
  };
  return { bed, groupId, events, start };
}

async function assertEachAppliedOnce(bed: TestBed, groupId: string, events: IdentityEvent[]): Promise<void> {
  assert.equal(await logRows(bed), events.length, 'one log row per event');
  assert.equal(await logDistinct(bed), events.length, 'no event twice');
  assert.deepEqual(await loggedIds(bed), events.map((e) => e.id).sort(), 'exactly these events');
  assert.equal(await processedCount(bed, groupId), events.length, 'each processed id once');
}

describe('idempotent consumer on real PostgreSQL and Kafka', () => {
  before(() => ensureIdentityTopic(kafka));

  it('a consumer SIGKILLed mid-batch and restarted applies each of 300 events exactly once', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const { bed, groupId, events, start } = await crashScenario(cleanup, 'consumer_kill', 30, 10);

    const first = start();
    // Kill while a batch is in flight: some batch committed, and at least 5 events were
    // applied inside a transaction that has not committed yet.
    await waitFor(
      async () => {
        const committed = await logRows(bed);
        return committed > 0 && appliedLines(first) - committed >= 5;
      },
      { what: 'a batch in flight after a committed one', timeoutMs: 60_000, intervalMs: 10 },
    );
    first.child.kill('SIGKILL');
    assert.equal(await ended(first), 'SIGKILL');
    const committed = await logRows(bed);
    assert.ok(committed > 0 && committed < events.length, `killed mid-stream (${committed} of ${events.length} committed)`);
    assert.ok(appliedLines(first) > committed, 'the kill threw away applied but uncommitted work');
    assert.equal(await logDistinct(bed), committed, 'nothing doubled before the restart');

    const second = start();
    await waitFor(async () => (await logRows(bed)) >= events.length, {
      what: `all ${events.length} events applied after the restart`,
      timeoutMs: 60_000,
    });
    assert.equal(await second.stop('SIGTERM'), 0, 'the restarted consumer stops cleanly');
    await assertEachAppliedOnce(bed, groupId, events);
  });

  it('a consumer stopped by SIGTERM mid-stream commits its batch in flight, and after a restart nothing is lost or doubled', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const { bed, groupId, events, start } = await crashScenario(cleanup, 'consumer_term', 30, 10);

    const first = start();
    await waitFor(async () => appliedLines(first) - (await logRows(bed)) >= 5, {
      what: 'a batch in flight',
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    first.child.kill('SIGTERM');
    assert.equal(await ended(first), 0, 'graceful exit');
    assert.ok(first.output.includes('stopped'), 'closed consumer, producer and data source before exiting');
    const committed = await logRows(bed);
    assert.equal(committed, appliedLines(first), 'every event applied before the stop was committed');
    assert.ok(committed < events.length, `stopped mid-stream (${committed} of ${events.length})`);

    const second = start();
    await waitFor(async () => (await logRows(bed)) >= events.length, {
      what: `all ${events.length} events applied after the restart`,
      timeoutMs: 60_000,
    });
    assert.equal(await second.stop('SIGTERM'), 0);
    await assertEachAppliedOnce(bed, groupId, events);
    assert.equal(appliedLines(first) + appliedLines(second), events.length, 'no event was applied (even tentatively) twice');
  });

  it('fetches at most maxBytesPerPartition a batch, so that a batch in memory stays bounded (kafkajs would fetch 1 MiB)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'consumer_bytes');
    const topic = await createScratchTopic(kafka, cleanup, 'consumer-bytes-src');
    const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'consumer-bytes-dlq');
    const { devices, events } = identityEvents(40, 1);
    // One record batch per event (about 500 bytes each), all written before the consumer starts.
    const producer = await connectedProducer(cleanup);
    for (const event of events) await producer.send(topic, [kafkaMessage(event)]);
    const bounded = await startTestConsumer({
      kafka,
      bed,
      cleanup,
      topic,
      deadLetterTopic,
      aggregateIds: new Set(devices),
      unparseable: 'poison',
      maxBytesPerPartition: 4096,
    });
    await waitFor(async () => (await logDistinct(bed)) === events.length, { timeoutMs: 60_000, what: 'all 40 events applied' });
    assert.equal(
      bounded.batchSizes.reduce((n, size) => n + size, 0),
      events.length,
    );
    assert.ok(Math.max(...bounded.batchSizes) <= 10, `batches of ${bounded.batchSizes.join(', ')} events, 4 KiB each at most`);
    assert.ok(DEFAULT_MAX_BYTES_PER_PARTITION <= 256 * 1024, 'the default holds a few hundred events a batch, not thousands');
  });

  it('dead-letters a malformed message and an event whose apply throws, applies the next one, and applies a redriven dead letter', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'consumer_dlq');
    const topic = await createScratchTopic(kafka, cleanup, 'consumer-dlq-src');
    const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'consumer-dlq');
    const device = randomUUID();
    const first = anonymousClientCreated(device, 1);
    const refused = anonymousClientCreated(device, 2);
    const next = anonymousClientCreated(device, 3);
    const refusing = new Set([refused.id]);
    const source = await readTopic(cleanup, topic);
    const deadLetters = await readTopic(cleanup, deadLetterTopic);
    const { groupId } = await startTestConsumer({
      kafka,
      bed,
      cleanup,
      topic,
      deadLetterTopic,
      aggregateIds: new Set([device]),
      unparseable: 'poison',
      failsFor: (event) => refusing.has(event.id),
    });

    const producer = await connectedProducer(cleanup);
    const garbage = 'this is not JSON {';
    await producer.send(topic, [
      kafkaMessage(first),
      { key: device, value: garbage, headers: { origin: 'test' } },
      kafkaMessage(refused),
      kafkaMessage(next),
    ]);

    await waitFor(async () => (await appliedCount(bed, next.id)) === 1, { what: 'the message after the poison ones to be applied' });
    await deadLetters.waitFor((m) => m.length >= 2);
    await source.waitFor((m) => m.length >= 4);
    const offsetOf = (value: string) => source.messages.find((m) => m.value === value)!.offset;

    assert.equal(deadLetters.messages.length, 2);
    const malformed = deadLetters.messages.find((m) => m.value === garbage);
    assert.ok(malformed, 'the malformed message is dead-lettered byte for byte');
    assert.equal(malformed.key, device);
    assert.equal(malformed.headers.origin, 'test', 'its own headers are kept');
    assert.equal(malformed.headers[DeadLetterHeaders.sourceTopic], topic);
    assert.equal(malformed.headers[DeadLetterHeaders.sourcePartition], '0');
    assert.equal(malformed.headers[DeadLetterHeaders.sourceOffset], offsetOf(garbage));
    assert.equal(malformed.headers[DeadLetterHeaders.consumerGroup], groupId);
    assert.match(malformed.headers[DeadLetterHeaders.reason]!, /not JSON/);
    assert.ok(!Number.isNaN(Date.parse(malformed.headers[DeadLetterHeaders.failedAt]!)));

    const failed = deadLetters.messages.find((m) => m.value === JSON.stringify(refused));
    assert.ok(failed, 'the event whose apply threw is dead-lettered byte for byte');
    assert.equal(failed.headers[DeadLetterHeaders.sourceTopic], topic);
    assert.equal(failed.headers[DeadLetterHeaders.sourcePartition], '0');
    assert.equal(failed.headers[DeadLetterHeaders.sourceOffset], offsetOf(JSON.stringify(refused)));
    assert.match(failed.headers[DeadLetterHeaders.reason]!, new RegExp(`apply failed: refused event ${refused.id}`));
    assert.equal(failed.headers[EnvelopeHeaders.eventType], 'AnonymousClientCreated');

    assert.equal(await appliedCount(bed, first.id), 1);
    assert.equal(await appliedCount(bed, refused.id), 0, 'the failed apply left no effect');
    assert.equal(await appliedCount(bed, next.id), 1);

    // The fault is fixed and an operator redrives the dead letter to its source topic (the
    // same event id at a new offset): it must be applied now, not skipped as "processed".
    refusing.clear();
    const redriven = Object.fromEntries(Object.entries(failed.headers).filter(([name]) => !name.startsWith('dlq-')));
    await producer.send(topic, [{ key: failed.key, value: failed.value, headers: redriven }]);
    await waitFor(async () => (await appliedCount(bed, refused.id)) === 1, { what: 'the redriven dead letter to be applied' });
    assert.equal(await processedCount(bed, groupId), 3);
    assert.equal(deadLetters.messages.length, 2, 'nothing else was dead-lettered');
  });

  it('with its Kafka offsets deleted, a restarted consumer resumes at its database checkpoint: nothing is applied twice', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'consumer_seek');
    const topic = await createScratchTopic(kafka, cleanup, 'consumer-seek', 2);
    const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'consumer-seek-dlq');
    const { devices, events } = identityEvents(4, 5);
    const later = devices.flatMap((device) => [anonymousClientCreated(device, 6), anonymousClientCreated(device, 7)]);
    const producer = await connectedProducer(cleanup);
    const groupId = uniqueName('consumer-seek');
    const options = {
      kafka,
      bed,
      cleanup,
      topic,
      deadLetterTopic,
      aggregateIds: new Set(devices),
      unparseable: 'poison' as const,
      groupId,
      deadLetters: producer,
    };

    const first = await startTestConsumer(options);
    await producer.send(topic, events.map(kafkaMessage));
    await waitFor(async () => (await logRows(bed)) === events.length, { what: 'the first events applied' });
    await first.consumer.stop();

    const admin = kafka.admin();
    await admin.connect();
    cleanup.add('disconnect admin', () => admin.disconnect());
    // Every partition that got messages has its end committed (an empty one has no offset).
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high === '0' ? '-1' : p.high]));
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset])), ends, 'Kafka had the offsets committed');
    await admin.deleteGroups([groupId]);
    const deleted = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.ok(
      deleted[0]!.partitions.every((p) => p.offset === '-1'),
      'the Kafka offsets are gone',
    );

    await producer.send(topic, later.map(kafkaMessage));
    const second = await startTestConsumer(options);
    await waitFor(async () => (await logRows(bed)) >= events.length + later.length, { what: 'the later events applied' });
    await second.consumer.stop();

    await assertEachAppliedOnce(bed, groupId, [...events, ...later]);
    const seenAgain = second.decoded.filter((d) => events.some((e) => e.id === d.id));
    assert.deepEqual(seenAgain, [], 'the restarted consumer did not even decode an event below its checkpoint');
  });

  it('with Kafka offsets ahead of its database checkpoint, a restarted consumer resumes at the checkpoint: nothing is lost', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'consumer_ahead');
    const topic = await createScratchTopic(kafka, cleanup, 'consumer-ahead', 1);
    const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'consumer-ahead-dlq');
    const { devices, events } = identityEvents(4, 5);
    const whileDown = devices.flatMap((device) => [anonymousClientCreated(device, 6), anonymousClientCreated(device, 7)]);
    const afterRestart = devices.map((device) => anonymousClientCreated(device, 8));
    const producer = await connectedProducer(cleanup);
    const groupId = uniqueName('consumer-ahead');
    const options = {
      kafka,
      bed,
      cleanup,
      topic,
      deadLetterTopic,
      aggregateIds: new Set(devices),
      unparseable: 'poison' as const,
      groupId,
      deadLetters: producer,
    };

    const first = await startTestConsumer(options);
    await producer.send(topic, events.map(kafkaMessage));
    await waitFor(async () => (await logRows(bed)) === events.length, { what: 'the first events applied' });
    await first.consumer.stop();

    // While the consumer is down, events arrive and the group's Kafka offset jumps past
    // them (an offset reset to latest, offsets restored from elsewhere, a database restored
    // from a backup...). The database checkpoint is the truth.
    await producer.send(topic, whileDown.map(kafkaMessage));
    const end = String(events.length + whileDown.length);
    const admin = kafka.admin();
    await admin.connect();
    cleanup.add('disconnect admin', () => admin.disconnect());
    await setGroupOffset(kafka, groupId, topic, 0, end);
    assert.equal((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset, end);

    // Hold the checkpoint table so that the seek on assignment is still reading it when the
    // first batch from Kafka's (wrong) position arrives: the order a slow database gives.
    const locker = new Client({ connectionString: bed.url });
    await locker.connect();
    cleanup.add('close locker', () => locker.end());
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${bed.schema}".consumer_checkpoints IN ACCESS EXCLUSIVE MODE`);
    const batchesFrom: bigint[] = [];
    const second = await startTestConsumer(options);
    const kafkaConsumer = (second.consumer as unknown as { consumer: Consumer }).consumer;
    kafkaConsumer.on(kafkaConsumer.events.START_BATCH_PROCESS, (e) => batchesFrom.push(BigInt(e.payload.firstOffset)));
    await waitFor(
      async () =>
        (await countRows(
          bed.dataSource,
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%consumer_checkpoints%'`,
        )) > 0,
      { what: 'the seek on assignment to wait for the checkpoint table' },
    );
    await producer.send(topic, afterRestart.map(kafkaMessage));
    await waitFor(() => batchesFrom.some((offset) => offset >= BigInt(end)), { what: 'a batch fetched from the Kafka offset' });
    await locker.query('COMMIT');

    const all = [...events, ...whileDown, ...afterRestart];
    await waitFor(async () => (await logRows(bed)) >= all.length, { what: 'every event applied, the ones behind the Kafka offset too' });
    await second.consumer.stop();
    await assertEachAppliedOnce(bed, groupId, all);
  });
});
