import type { Kafka } from 'kafkajs';
import { uniqueName, waitFor, toReadMessage, type ReadMessage } from './kafka.fixture';

/**
 * Reads every message of every topic named `<prefix>…`, all partitions from offset 0 up to the
 * end offsets seen when the scan starts. Reads uncommitted too: an aborted transaction's records
 * are on the broker's disk as much as committed ones, and a killed producer's open transaction
 * would otherwise hold the scan until it times out.
 */
export async function readWholeTopics(
  kafka: Kafka,
  prefix: string,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<{ topic: string; messages: ReadMessage[] }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high) - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const byTopic = new Map<string, ReadMessage[]>(topics.map((t) => [t, []]));
  if (ends.size === 0) return topics.map((topic) => ({ topic, messages: [] }));
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: uniqueName('secrets-scan'), readUncommitted: true, maxWaitTimeInMs: 100 });
  // A batch of control records only (a transaction marker) still reports its last offset here.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    const end = ends.get(key);
    if (end !== undefined && BigInt(payload.lastOffset) >= end) ends.delete(key);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const position = `${topic}:${partition}:${message.offset}`;
        if (!seen.has(position)) {
          seen.add(position);
          byTopic.get(topic)?.push(toReadMessage(partition, message));
        }
        return Promise.resolve();
      },
    });
    await waitFor(() => ends.size === 0, {
      timeoutMs,
      intervalMs: 100,
      what: `the end offsets of ${ends.size} partition(s) under ${prefix}`,
    });
  } finally {
    await consumer.disconnect();
  }
  return topics.map((topic) => ({ topic, messages: byTopic.get(topic)! }));
}
