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

/** Anything that runs SQL: a TypeORM data source or entity manager (rows) or a pg client (`{ rows }`). */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/**
 * The checkpoints of a consumer group on a topic: the next offset to read per partition
 * (optionally only `partitions`). The one reader of `consumer_checkpoints` outside the
 * consumer's own transaction: lag metrics, the rebuild, the ingester's identity barrier.
 */
export async function readCheckpoints(
  sql: Queryable,
  schema: string,
  groupId: string,
  topic: string,
  partitions?: number[],
): Promise<Map<number, bigint>> {
  const result = await sql.query(
    `SELECT partition, next_offset::text AS next_offset FROM "${schema}".consumer_checkpoints
      WHERE group_id = $1 AND topic = $2 AND ($3::int[] IS NULL OR partition = ANY($3::int[]))`,
    [groupId, topic, partitions ?? null],
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { partition: number; next_offset: string }[];
  return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
}
