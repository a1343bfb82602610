import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { createTestTopic, testKafka, uniqueName, waitFor } from '@idstream/testing';
import { restartAfterCrash } from './kafka';

const kafka = testKafka('restart-after-crash');

/**
 * A consumer whose first batch fails with a non-retriable error (as kafkajs' own "Failed to find
 * group coordinator" is, while a restarted broker loads its groups): kafkajs leaves it stopped;
 * restartAfterCrash starts it again and the batch is read once more.
 */
async function readsAgainAfterCrash(withRestart: boolean): Promise<{ deliveries: number; crashes: number }> {
  const topic = await createTestTopic(kafka, 'restart-after-crash');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'one' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('restart-after-crash'), maxWaitTimeInMs: 100 });
  let deliveries = 0;
  let crashes = 0;
  let wanted = true;
  const consume = async () => {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: () => {
        deliveries++;
        if (deliveries === 1) throw new KafkaJSNonRetriableError('not now');
        return Promise.resolve();
      },
    });
  };
  if (withRestart) restartAfterCrash(consumer, consume, { wanted: () => wanted, onCrash: () => crashes++, delayMs: 200 });
  try {
    await consume();
    await waitFor(() => deliveries >= 2, { timeoutMs: withRestart ? 30_000 : 8_000, what: 'the message read again' }).catch(
      () => undefined,
    );
    return { deliveries, crashes };
  } finally {
    wanted = false;
    await consumer.disconnect();
  }
}

describe('restartAfterCrash', () => {
  it('kafkajs alone leaves a consumer stopped after a non-retriable crash (why the helper exists)', async () => {
    assert.deepEqual(await readsAgainAfterCrash(false), { deliveries: 1, crashes: 0 });
  });

  it('starts the consumer again, which reads the failed message once more', async () => {
    const { deliveries, crashes } = await readsAgainAfterCrash(true);
    assert.equal(deliveries, 2);
    assert.equal(crashes, 1);
  });
});
