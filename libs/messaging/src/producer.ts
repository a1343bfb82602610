import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * Errors after which an idempotent producer's sequence numbers no longer match the broker's: every
 * later send fails the same way. Seen after a broker restart under load: auth's outbox relay got
 * "The broker received an out of order sequence number" on every retry, for good.
 */
const BROKEN_SEQUENCE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

export function isBrokenSequence(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.type === 'string' && BROKEN_SEQUENCE.has(e.type)) return true;
  }
  return false;
}

/**
 * An idempotent producer (no duplicates or reordering from its own retries) that waits for
 * all in-sync replicas. Send arrays: kafkajs has no linger, each send() is one request.
 *
 * When its sequence breaks (isBrokenSequence), the failed send still throws (the caller retries
 * it, as after any failed send), and the next send goes through a new producer with a new
 * producer id. The retry may then write records the broken one had written already: delivery
 * stays at-least-once, and consumers are idempotent by event id.
 */
export class EventProducer {
  private producer: Producer;
  private connected = false;
  private renewing?: Promise<void>;
  /** A renewed producer whose connect failed: connected before its first send. */
  private unconnected?: Producer;

  constructor(private readonly kafka: Kafka) {
    this.producer = this.create();
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Resolves once Kafka acknowledged every message (acks = all). */
  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.withProducer((p) => p.send({ topic, messages, acks: -1 }));
  }

  async sendTopics(batches: { topic: string; messages: Message[] }[]): Promise<void> {
    const nonEmpty = batches.filter((b) => b.messages.length > 0);
    if (nonEmpty.length === 0) return;
    await this.withProducer((p) => p.sendBatch({ topicMessages: nonEmpty, acks: -1 }));
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.renewing?.catch(() => undefined);
    await this.producer.disconnect();
  }

  private create(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  private async withProducer(send: (producer: Producer) => Promise<unknown>): Promise<void> {
    await this.renewing;
    const producer = this.producer;
    if (this.unconnected === producer) {
      await producer.connect();
      this.unconnected = undefined;
    }
    try {
      await send(producer);
    } catch (error) {
      if (isBrokenSequence(error) && this.producer === producer) this.renew(producer);
      throw error;
    }
  }

  /** Swaps in a new producer (a new producer id); the next send waits for it to connect. */
  private renew(broken: Producer): void {
    const next = this.create();
    this.producer = next;
    this.renewing = (async () => {
      await broken.disconnect().catch(() => undefined);
      if (!this.connected) return;
      await next.connect().catch(() => {
        this.unconnected = next;
      });
    })();
  }
}
