/** Kafka topic names. Partition counts come from each service's config. */
export const Topics = {
  /** Every identity fact, keyed by aggregate id, kept forever (replayable from offset 0). */
  identityEvents: 'identity.events',
  /** Tracking batches as the gateway received them, keyed by device uuid. */
  trackingRaw: 'tracking.raw',
  /** Accepted tracking events, keyed by `workspace:device uuid`. */
  trackingEvents: 'tracking.events',
  /** Rejected tracking events, one record per event, keyed by client uuid. */
  trackingRejected: 'tracking.rejected',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Where a consumer group parks the messages it cannot process, so they never block a partition. */
export function deadLetterTopic(consumerGroup: string): string {
  return `dlq.${consumerGroup}`;
}
