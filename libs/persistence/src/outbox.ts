import type { EntityManager } from 'typeorm';
import { TRACEPARENT, traceparentOf } from '@idstream/messaging';

/** One message waiting in an app's outbox, written in the same transaction as its events. */
export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  /** The serialized envelope, published byte for byte. */
  value: string;
  headers: Record<string, string>;
}

export const outboxChannel = (schema: string): string => `idstream_outbox_${schema}`;

/** DDL of the outbox table, for the owning app's migration. */
export function outboxTableSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".outbox (
      position bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      topic text NOT NULL,
      message_key text NOT NULL,
      value text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`,
    `CREATE INDEX outbox_unpublished ON "${schema}".outbox (position) WHERE published_at IS NULL`,
  ];
}

/**
 * Appends messages to the outbox inside the caller's transaction, and wakes the relay when
 * that transaction commits (NOTIFY is delivered at commit, never for a rollback).
 */
export async function appendToOutbox(manager: EntityManager, schema: string, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const params: unknown[] = [];
  // The trace of the command writing the rows (when tracing), for the relay to continue.
  const traceparent = traceparentOf();
  const rows = messages.map((m) => {
    // A message that carries its own trace (one command of a group commit) keeps it.
    const headers = traceparent && !(TRACEPARENT in m.headers) ? { ...m.headers, [TRACEPARENT]: traceparent } : m.headers;
    params.push(m.eventId, m.topic, m.key, m.value, JSON.stringify(headers));
    const n = params.length;
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
  });
  // One round trip: the INSERT runs as a data-modifying CTE (always in full), the NOTIFY once.
  params.push(outboxChannel(schema));
  await manager.query(
    `WITH appended AS (INSERT INTO "${schema}".outbox (event_id, topic, message_key, value, headers) VALUES ${rows.join(', ')})
     SELECT pg_notify($${params.length}, '')`,
    params,
  );
}
