import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka, Producer } from 'kafkajs';
import { uuidv7, type IdentityEvent } from '@idstream/contracts';
import { createTestTopic, testKafka, waitFor } from '@idstream/testing';
import { IdentityTail } from './identity-tail';

const HOUR = 3600_000;

function sessionClosed(sessionId: string, at: number): IdentityEvent {
  return {
    id: uuidv7(at),
    type: 'SessionClosed',
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    workspaceId: 'ws-tail',
    aggregateId: `p-${sessionId}`,
    sequence: 2,
    correlationId: uuidv7(at),
    causationId: null,
    data: {
      profileId: `p-${sessionId}`,
      sessionId,
      reason: 'sign-out',
      closedAt: new Date(at).toISOString(),
      forgetAfter: new Date(at + HOUR).toISOString(),
    },
  };
}

describe('IdentityTail', () => {
  let kafka: Kafka;
  let producer: Producer;
  const tails: IdentityTail[] = [];

  before(async () => {
    kafka = testKafka('identity-tail');
    producer = kafka.producer();
    await producer.connect();
  });

  after(async () => {
    for (const tail of tails) await tail.stop();
    await producer.disconnect();
  });

  const publish = (topic: string, event: IdentityEvent, timestamp: number, partition: number) =>
    producer.send({
      topic,
      messages: [{ key: event.aggregateId, value: JSON.stringify(event), timestamp: String(timestamp), partition }],
    });

  it('reads only the events inside the window, then follows the topic; caughtUp resolves', async () => {
    const topic = await createTestTopic(kafka, 'tail', 3);
    const now = Date.now();
    // Partition 0: one old event then one recent one; partition 1: only an old one; partition 2: empty.
    await publish(topic, sessionClosed('old-0', now - 3 * HOUR), now - 3 * HOUR, 0);
    await publish(topic, sessionClosed('new-0', now - 60_000), now - 60_000, 0);
    await publish(topic, sessionClosed('old-1', now - 2 * HOUR), now - 2 * HOUR, 1);
    await producer.send({ topic, messages: [{ key: 'x', value: 'not json', partition: 0 }] });

    const seen: string[] = [];
    const errors: unknown[] = [];
    const tail = new IdentityTail(kafka, {
      topic,
      windowMs: HOUR,
      groupIdPrefix: 'test-tail',
      handle: (event) => {
        if (event.type === 'SessionClosed') seen.push(event.data.sessionId);
      },
      onError: (error) => errors.push(error),
    });
    tails.push(tail);
    await tail.start();
    await tail.caughtUp();
    assert.deepEqual(seen, ['new-0'], 'old events are outside the window; the recent one is read once');
    assert.equal(tail.caughtUpNow, true);
    assert.equal(errors.length, 1, 'the unreadable message is reported, then skipped');

    await publish(topic, sessionClosed('later-2', Date.now()), Date.now(), 2);
    await waitFor(() => seen.includes('later-2'), { what: 'an event published after the start' });
    assert.deepEqual(seen, ['new-0', 'later-2']);
  });

  it('is caught up at once on a topic with nothing in the window', async () => {
    const topic = await createTestTopic(kafka, 'tail-empty', 2);
    await publish(topic, sessionClosed('ancient', Date.now() - 5 * HOUR), Date.now() - 5 * HOUR, 1);
    const seen: string[] = [];
    const tail = new IdentityTail(kafka, {
      topic,
      windowMs: HOUR,
      groupIdPrefix: 'test-tail',
      handle: (event) => {
        if (event.type === 'SessionClosed') seen.push(event.data.sessionId);
      },
    });
    tails.push(tail);
    await tail.start();
    await tail.caughtUp();
    assert.deepEqual(seen, []);
  });
});
