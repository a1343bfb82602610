import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createKafka, ensureTopics, restartAfterCrash } from '@idstream/messaging';
import { JsonLogger } from '@idstream/runtime';

export const testBrokers = (): string[] => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function testKafka(label = 'test'): Kafka {
  // The test process's own kafkajs lines, on stderr through the same redacting logger as the apps.
  const log = new JsonLogger(`test-${label}`, 'warn', (line) => void process.stderr.write(line));
  return createKafka({ brokers: testBrokers(), clientId: `idstream-${label}`, log });
}

export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export async function createTestTopic(kafka: Kafka, prefix: string, partitions = 1): Promise<string> {
  const topic = uniqueName(prefix);
  await ensureTopics(kafka, [{ topic, partitions }]);
  return topic;
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning into memory with its own consumer group, so a test can
 * assert what was published (and what never was).
 */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private readonly positions = new Set<string>();
  private readonly consumer;

  /** `open`: turns each value as read into the one kept (e.g. `TestSystem.sealedOpener()`: sealed fields in clear). */
  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly open?: (value: string) => Promise<string>,
  ) {
    this.consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  }

  private stopped = false;

  async start(): Promise<this> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    // A fault test restarts brokers: the reader must outlive that too.
    restartAfterCrash(this.consumer, () => this.consume(), { wanted: () => !this.stopped });
    await this.consume();
    await joined;
    return this;
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        // A rebalance redelivers what was read but not yet committed: keep each position once,
        // so that a test counting copies counts what is on the topic.
        const position = `${partition}:${message.offset}`;
        if (!this.positions.has(position)) {
          this.positions.add(position);
          const read = toReadMessage(partition, message);
          if (this.open && read.value !== null) read.value = await this.open(read.value);
          this.messages.push(read);
        }
      },
    });
  }

  /** Waits until `predicate` holds over the messages read so far. */
  async waitFor(predicate: (messages: ReadMessage[]) => boolean, timeoutMs = 15_000): Promise<ReadMessage[]> {
    await waitFor(() => predicate(this.messages), { timeoutMs, what: `messages on ${this.topic}` });
    return this.messages;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
  }
}

export function toReadMessage(partition: number, message: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
  return { partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers };
}

/** Polls until `check` returns true (or a truthy promise), else fails naming what it waited for. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
