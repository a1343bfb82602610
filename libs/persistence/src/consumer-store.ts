/**
 * DDL of the tables an idempotent consumer keeps in its app's schema, for that app's
 * migration: the next offset per partition and the ids of the events already applied.
 * Both are written in the same transaction as the consumer's effect.
 */
export function consumerStoreTableSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".consumer_checkpoints (
      group_id text NOT NULL,
      topic text NOT NULL,
      partition int NOT NULL,
      next_offset bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, topic, partition)
    )`,
    `CREATE TABLE "${schema}".processed_events (
      group_id text NOT NULL,
      event_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, event_id)
    )`,
    `CREATE INDEX processed_events_age ON "${schema}".processed_events (processed_at)`,
  ];
}
