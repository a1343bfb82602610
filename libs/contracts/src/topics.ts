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

export type TopicNames = { readonly [K in keyof typeof Topics]: string };

/**
 * The topic names of one deployment: `KAFKA_TOPIC_PREFIX` + the standard names, so that
 * several deployments (staging and production, or one test system per test file) can share a
 * Kafka cluster without reading each other's events.
 */
export function topicNames(prefix = ''): TopicNames {
  return {
    identityEvents: prefix + Topics.identityEvents,
    trackingRaw: prefix + Topics.trackingRaw,
    trackingEvents: prefix + Topics.trackingEvents,
    trackingRejected: prefix + Topics.trackingRejected,
  };
}

/** Where a consumer group parks the messages it cannot process, so they never block a partition. */
export function deadLetterTopic(consumerGroup: string): string {
  return `dlq.${consumerGroup}`;
}
