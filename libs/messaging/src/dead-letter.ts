import type { Message } from 'kafkajs';

/** Headers a dead letter carries next to the original bytes and headers. */
export const DeadLetterHeaders = {
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  consumerGroup: 'dlq-consumer-group',
  reason: 'dlq-reason',
  failedAt: 'dlq-failed-at',
} as const;

/** The dead letter of one message: its key, value and headers unchanged, plus where and why it failed. */
export function deadLetterMessage(
  source: {
    topic: string;
    partition: number;
    offset: string;
    message: { key: Buffer | null; value: Buffer | null; headers?: Message['headers'] };
  },
  consumerGroup: string,
  reason: string,
): Message {
  return {
    key: source.message.key,
    value: source.message.value,
    headers: {
      ...(source.message.headers ?? {}),
      [DeadLetterHeaders.sourceTopic]: source.topic,
      [DeadLetterHeaders.sourcePartition]: String(source.partition),
      [DeadLetterHeaders.sourceOffset]: source.offset,
      [DeadLetterHeaders.consumerGroup]: consumerGroup,
      [DeadLetterHeaders.reason]: reason.slice(0, 1000),
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}
