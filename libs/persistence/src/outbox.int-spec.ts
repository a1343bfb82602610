// The outbox against real parts: PostgreSQL, the relay and `identity.events` on the local
// Kafka broker, read back by an IdempotentConsumer. Every test has its own database, ids
// and consumer group; the consumers skip the events of other tests on the shared topic.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { EnvelopeHeaders, Topics, type IdentityEvent } from '@idstream/contracts';
import { inTransaction } from './data-source';
import { testKafka, waitFor } from '@idstream/testing';
import { appendToOutbox, outboxChannel } from './outbox';
import { OutboxRelay } from './outbox.relay';
import { EventProducer } from '@idstream/messaging';
import {
  anonymousClientCreated,
  checkpointAtEnd,
  Cleanup,
  countRows,
  createScratchTopic,
  ensureIdentityTopic,
  eventIdOf,
  openTestBed,
  outboxMessage,
  startTestConsumer,
  TopicTail,
  type TestBed,
} from './test-support/messaging.fixture';

const kafka = testKafka('outbox-it');
const topic = Topics.identityEvents;

async function connectedProducer(cleanup: Cleanup): Promise<EventProducer> {
  const producer = new EventProducer(kafka);
  await producer.connect();
  cleanup.add('disconnect producer', () => producer.disconnect());
  return producer;
}

async function tail(cleanup: Cleanup): Promise<TopicTail> {
  const reader = await new TopicTail(kafka, topic).start();
  cleanup.add('stop topic tail', () => reader.stop());
  return reader;
}

/** A consumer of identity.events for these aggregates, starting at the topic's current end. */
async function identityConsumer(bed: TestBed, cleanup: Cleanup, aggregateIds: string[]) {
  const deadLetterTopic = await createScratchTopic(kafka, cleanup, 'dlq-outbox-it');
  const groupId = `outbox-it-${randomUUID()}`;
  await checkpointAtEnd(kafka, bed.dataSource, bed.schema, groupId, topic);
  return startTestConsumer({
    kafka,
    bed,
    cleanup,
    topic,
    deadLetterTopic,
    aggregateIds: new Set(aggregateIds),
    unparseable: 'skip',
    groupId,
  });
}

const appliedCount = (bed: TestBed, eventId: string) =>
  countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".applied_log WHERE event_id = $1`, [eventId]);

function relayFor(bed: TestBed, producer: EventProducer, errors: unknown[], batchSize?: number): OutboxRelay {
  return new OutboxRelay(bed.dataSource, producer, { schema: bed.schema, databaseUrl: bed.url, batchSize, onError: (e) => errors.push(e) });
}

describe('outbox and relay on real PostgreSQL and Kafka', () => {
  before(() => ensureIdentityTopic(kafka));

  it('publishes a row and its event written in one transaction; a rolled-back transaction publishes nothing', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_tx');
    const device = randomUUID();
    const rolledBackDevice = randomUUID();
    const reader = await tail(cleanup);
    const { groupId } = await identityConsumer(bed, cleanup, [device, rolledBackDevice]);
    const relayErrors: unknown[] = [];
    const relay = relayFor(bed, await connectedProducer(cleanup), relayErrors);
    await relay.start();
    cleanup.add('stop relay', () => relay.stop());

    const created = anonymousClientCreated(device, 1);
    await inTransaction(bed.dataSource, async (manager) => {
      await manager.query(`INSERT INTO "${bed.schema}".clients (uuid, workspace_id) VALUES ($1, $2)`, [device, created.workspaceId]);
      await appendToOutbox(manager, bed.schema, [outboxMessage(created)]);
    });

    await waitFor(async () => (await appliedCount(bed, created.id)) > 0, {
      what: 'the consumer to apply the committed event',
      timeoutMs: 20_000,
    });
    const published = reader.withEventId(created.id);
    assert.equal(published.length, 1, 'published once');
    assert.equal(published[0]!.key, device, 'keyed by aggregate id');
    assert.equal(published[0]!.headers[EnvelopeHeaders.eventType], 'AnonymousClientCreated');
    assert.equal(await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".clients WHERE uuid = $1`, [device]), 1);
    assert.equal(
      await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".outbox WHERE event_id = $1 AND published_at IS NOT NULL`, [
        created.id,
      ]),
      1,
      'the outbox row is marked published',
    );

    // A transaction that fails after appending: neither its row nor its event may exist.
    const rolledBack = anonymousClientCreated(rolledBackDevice, 1);
    await assert.rejects(
      inTransaction(bed.dataSource, async (manager) => {
        await manager.query(`INSERT INTO "${bed.schema}".clients (uuid, workspace_id) VALUES ($1, $2)`, [
          rolledBackDevice,
          rolledBack.workspaceId,
        ]);
        await appendToOutbox(manager, bed.schema, [outboxMessage(rolledBack)]);
        throw new Error('business rule failed after the append');
      }),
      /business rule failed/,
    );
    // A later committed event of the same aggregate (same key, same partition, later position):
    // once it is on the topic and applied, the rolled-back one would have been there before it.
    const marker = anonymousClientCreated(rolledBackDevice, 1);
    await inTransaction(bed.dataSource, async (manager) => {
      await manager.query(`INSERT INTO "${bed.schema}".clients (uuid, workspace_id) VALUES ($1, $2)`, [
        rolledBackDevice,
        marker.workspaceId,
      ]);
      await appendToOutbox(manager, bed.schema, [outboxMessage(marker)]);
    });
    await reader.waitFor((messages) => messages.some((m) => eventIdOf(m) === marker.id), 'the marker event');
    await waitFor(async () => (await appliedCount(bed, marker.id)) === 1, { what: 'the consumer to apply the marker' });

    assert.deepEqual(reader.withEventId(rolledBack.id), [], 'the rolled-back event is not on the topic');
    assert.equal(await appliedCount(bed, rolledBack.id), 0, 'the rolled-back event was not applied');
    assert.equal(
      await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".outbox WHERE event_id = $1`, [rolledBack.id]),
      0,
    );
    assert.equal(
      await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".clients WHERE uuid = $1`, [rolledBackDevice]),
      1,
      'only the committed row of that device exists',
    );
    assert.equal(
      await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".processed_events WHERE group_id = $1`, [groupId]),
      2,
      'the consumer processed exactly the two committed events',
    );
    assert.deepEqual(relayErrors, []);
  });

  it('a relay that died after Kafka acknowledged but before marking publishes again; the consumer applies the event once', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_crash');
    const device = randomUUID();
    const reader = await tail(cleanup);
    const { groupId, decoded } = await identityConsumer(bed, cleanup, [device]);

    const event = anonymousClientCreated(device, 1);
    await inTransaction(bed.dataSource, (manager) => appendToOutbox(manager, bed.schema, [outboxMessage(event)]));
    const errors: unknown[] = [];
    const first = relayFor(bed, await connectedProducer(cleanup), errors);
    assert.equal(await first.drain(), 1, 'the first relay published the row');
    // The first relay "dies" between Kafka's acknowledgement and its UPDATE: the row is
    // published but looks unpublished, exactly as if the UPDATE never ran.
    const unmarked: [unknown[], number] = await bed.dataSource.query(
      `UPDATE "${bed.schema}".outbox SET published_at = NULL WHERE event_id = $1 AND published_at IS NOT NULL`,
      [event.id],
    );
    assert.equal(unmarked[1], 1);

    // A new relay (a restarted process, with its own producer) publishes it again.
    const second = relayFor(bed, await connectedProducer(cleanup), errors);
    assert.equal(await second.drain(), 1, 'the new relay republished the unmarked row');
    const marker = anonymousClientCreated(device, 2);
    await inTransaction(bed.dataSource, (manager) => appendToOutbox(manager, bed.schema, [outboxMessage(marker)]));
    assert.equal(await second.drain(), 1);

    await reader.waitFor((messages) => messages.some((m) => eventIdOf(m) === marker.id), 'the marker event');
    const copies = reader.withEventId(event.id);
    assert.equal(copies.length, 2, 'the event is on the topic twice');
    assert.notEqual(copies[0]!.offset, copies[1]!.offset, 'at two offsets');
    assert.equal(copies[0]!.partition, copies[1]!.partition, 'on the partition of its key');
    assert.equal(copies[0]!.value, copies[1]!.value, 'byte for byte the same envelope');

    // The marker follows both copies on the same partition: once it is applied, both copies were consumed.
    await waitFor(async () => (await appliedCount(bed, marker.id)) === 1, { what: 'the consumer to apply the marker' });
    assert.deepEqual(
      decoded
        .filter((d) => d.id === event.id)
        .map((d) => d.offset)
        .sort(),
      copies.map((c) => c.offset).sort(),
      'the consumer received both copies',
    );
    assert.equal(await appliedCount(bed, event.id), 1, 'applied once');
    assert.equal(
      await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".processed_events WHERE group_id = $1 AND event_id = $2`, [
        groupId,
        event.id,
      ]),
      1,
      'processed_events has it once',
    );
    assert.deepEqual(errors, []);
  });

  it('publishes 50 events of one aggregate, written in several transactions, in sequence order on their partition', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_order');
    const device = randomUUID();
    const other = randomUUID();
    const reader = await tail(cleanup);
    const errors: unknown[] = [];
    // A small batch size, so that publish batches cut across the transactions.
    const relay = relayFor(bed, await connectedProducer(cleanup), errors, 7);
    await relay.start();
    cleanup.add('stop relay', () => relay.stop());

    let otherSequence = 0;
    for (let tx = 0; tx < 5; tx++) {
      await inTransaction(bed.dataSource, async (manager) => {
        for (let i = 1; i <= 10; i++) {
          const messages = [outboxMessage(anonymousClientCreated(device, tx * 10 + i))];
          // Another aggregate interleaved in the same transactions.
          if (i % 3 === 0) messages.push(outboxMessage(anonymousClientCreated(other, ++otherSequence)));
          await appendToOutbox(manager, bed.schema, messages);
        }
      });
    }

    const ofAggregate = (aggregateId: string) =>
      reader.messages
        .filter((m) => m.key === aggregateId)
        .map((m) => ({
          partition: m.partition,
          offset: BigInt(m.offset),
          sequence: (JSON.parse(m.value!) as { sequence: number }).sequence,
        }))
        .sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    await reader.waitFor(() => ofAggregate(device).length >= 50 && ofAggregate(other).length >= otherSequence, 'all 50 events');

    const events = ofAggregate(device);
    assert.equal(new Set(events.map((e) => e.partition)).size, 1, 'one partition');
    assert.deepEqual(
      events.map((e) => e.sequence),
      Array.from({ length: 50 }, (_, i) => i + 1),
      'in sequence order, each once',
    );
    assert.deepEqual(
      ofAggregate(other).map((e) => e.sequence),
      Array.from({ length: otherSequence }, (_, i) => i + 1),
    );
    await waitFor(
      async () => (await countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".outbox WHERE published_at IS NULL`)) === 0,
      { what: 'every outbox row to be marked' },
    );
    assert.deepEqual(errors, []);
  });

  it('a relay whose LISTEN connection is cut reconnects, takes the lock again and keeps publishing', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_reconnect');
    const device = randomUUID();
    const reader = await tail(cleanup);
    const errors: unknown[] = [];
    const relay = relayFor(bed, await connectedProducer(cleanup), errors);
    await relay.start();
    cleanup.add('stop relay', () => relay.stop());
    const publish = (sequence: number) =>
      inTransaction(bed.dataSource, (manager) =>
        appendToOutbox(manager, bed.schema, [outboxMessage(anonymousClientCreated(device, sequence))]),
      );
    await publish(1);
    await reader.waitFor(() => reader.messages.some((m) => m.key === device), 'the first event');

    // The database drops the relay's connection (a failover, an idle timeout, an operator).
    const killed = await countRows(
      bed.dataSource,
      `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
      [`outbox-relay-${bed.schema}`],
    );
    assert.equal(killed, 1);
    await publish(2);
    await reader.waitFor(() => reader.messages.filter((m) => m.key === device).length >= 2, 'the event written after the cut');
    await waitFor(
      async () =>
        (await countRows(
          bed.dataSource,
          `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
          [`outbox-relay-${bed.schema}`],
        )) === 1,
      { what: 'the relay to reconnect' },
    );
    assert.ok(errors.length >= 1, 'the cut was reported');
  });

  it('a relay that cannot reconnect pauses between attempts: no busy loop, no flood of errors, and it publishes once back', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_refused');
    const device = randomUUID();
    const reader = await tail(cleanup);
    const errors: unknown[] = [];
    const relay = relayFor(bed, await connectedProducer(cleanup), errors);
    await relay.start();
    cleanup.add('stop relay', () => relay.stop());
    const database = new URL(bed.url).pathname.slice(1);
    const admin = new Client({ connectionString: Object.assign(new URL(bed.url), { pathname: '/postgres' }).toString() });
    await admin.connect();
    cleanup.add('close admin connection', () => admin.end());
    const allowConnections = (allow: boolean) => admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS ${allow}`);
    cleanup.add('allow connections', () => allowConnections(true));

    // New connections refused, the relay's own cut: it can neither listen nor lead for 3 s.
    await allowConnections(false);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2', [
      `outbox-relay-${bed.schema}`,
      database,
    ]);
    await new Promise((r) => setTimeout(r, 3000));
    const duringOutage = errors.length;
    await allowConnections(true);
    // One attempt per pause (500 ms here) is about 6; a busy loop reports hundreds.
    assert.ok(duringOutage >= 1 && duringOutage <= 15, `${duringOutage} errors reported in 3 s`);

    await inTransaction(bed.dataSource, (manager) =>
      appendToOutbox(manager, bed.schema, [outboxMessage(anonymousClientCreated(device, 1))]),
    );
    await reader.waitFor(() => reader.messages.some((m) => m.key === device), 'the event written after the outage');
  });

  it('a relay that leads in this process is woken at the commit without NOTIFY; once it stopped, writers NOTIFY again', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const bed = await openTestBed(cleanup, 'outbox_wake');
    // Another session of the database counts the notifications of the outbox's channel.
    const listener = new Client({ connectionString: bed.url });
    await listener.connect();
    cleanup.add('close listener', () => listener.end());
    let notifications = 0;
    listener.on('notification', () => (notifications += 1));
    await listener.query(`LISTEN ${outboxChannel(bed.schema)}`);
    const errors: unknown[] = [];
    // Polling once a minute: within this test only a wake-up can publish a row.
    const relay = new OutboxRelay(bed.dataSource, await connectedProducer(cleanup), {
      schema: bed.schema,
      databaseUrl: bed.url,
      pollIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    await relay.start();
    cleanup.add('stop relay', () => relay.stop());
    const published = (eventId: string) =>
      countRows(bed.dataSource, `SELECT count(*) AS n FROM "${bed.schema}".outbox WHERE event_id = $1 AND published_at IS NOT NULL`, [
        eventId,
      ]);
    const write = (event: IdentityEvent, manager?: EntityManager): Promise<void> =>
      manager
        ? appendToOutbox(manager, bed.schema, [outboxMessage(event)])
        : inTransaction(bed.dataSource, (m) => appendToOutbox(m, bed.schema, [outboxMessage(event)]));

    // The relay leads once it published a first row (which may have come by NOTIFY or at start).
    const first = anonymousClientCreated(randomUUID(), 1);
    await write(first);
    await waitFor(async () => (await published(first.id)) === 1, { what: 'the first row published', timeoutMs: 20_000 });
    await sleep(300);
    const before = notifications;

    const inTx = anonymousClientCreated(randomUUID(), 1);
    await write(inTx);
    await waitFor(async () => (await published(inTx.id)) === 1, { what: 'a row of a transaction published', timeoutMs: 20_000 });
    // Alone (no transaction): the statement itself committed.
    const alone = anonymousClientCreated(randomUUID(), 1);
    await write(alone, bed.dataSource.manager);
    await waitFor(async () => (await published(alone.id)) === 1, { what: 'a row written alone published', timeoutMs: 20_000 });
    await sleep(300);
    assert.equal(notifications, before, 'no NOTIFY while the relay of this process leads');

    await relay.stop();
    const after = anonymousClientCreated(randomUUID(), 1);
    await write(after);
    await waitFor(() => notifications > before, { what: 'a NOTIFY once no relay of this process leads' });
    assert.deepEqual(errors, []);
  });
});
