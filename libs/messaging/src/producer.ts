import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * An idempotent producer (no duplicates or reordering from its own retries) that waits for
 * all in-sync replicas. Send arrays: kafkajs has no linger, each send() is one request.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Resolves once Kafka acknowledged every message (acks = all). */
  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({ topic, messages, acks: -1 });
  }

  async sendTopics(batches: { topic: string; messages: Message[] }[]): Promise<void> {
    const nonEmpty = batches.filter((b) => b.messages.length > 0);
    if (nonEmpty.length === 0) return;
    await this.producer.sendBatch({ topicMessages: nonEmpty, acks: -1 });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
