import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
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
 * The relays of this process that hold their schema's leadership, by data source: a commit of
 * outbox rows wakes such a relay directly instead of through `pg_notify`. PostgreSQL serializes
 * the commits of notifying transactions (every NOTIFY takes one cluster-wide lock from before
 * the commit until its end, WAL flush included), so with many small concurrent commands the
 * NOTIFY, not the INSERT, was what bounded the commit rate. Rows written while another
 * process leads still NOTIFY; a leadership lost meanwhile costs at most the new leader's poll
 * interval, never a row (the new leader publishes every unmarked row when it takes over).
 */
const leadingRelays = new WeakMap<DataSource, Map<string, () => void>>();
const WAKES = Symbol('idstream.outbox.wakes');

/** Called by the relay: while it leads, writers of `schema` on `dataSource` call `wake` after their commit. */
export function registerLeadingRelay(dataSource: DataSource, schema: string, wake: () => void, leads: boolean): void {
  let relays = leadingRelays.get(dataSource);
  if (!leads) {
    if (relays?.get(schema) === wake) relays.delete(schema);
    return;
  }
  if (!relays) {
    relays = new Map();
    leadingRelays.set(dataSource, relays);
    // Once per data source: the commit of a transaction that wrote outbox rows wakes their relays.
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => {
        const wakes = takeWakes(event.queryRunner);
        for (const w of wakes) w();
      },
      afterTransactionRollback: (event) => void takeWakes(event.queryRunner),
    };
    dataSource.subscribers.push(subscriber);
  }
  relays.set(schema, wake);
}

function takeWakes(runner: QueryRunner | undefined): Set<() => void> {
  const data = runner?.data as { [WAKES]?: Set<() => void> } | undefined;
  const wakes = data?.[WAKES] ?? new Set<() => void>();
  if (data) delete data[WAKES];
  return wakes;
}

/**
 * The outbox part of a caller's statement: `insertSql`, an INSERT to run as a data-modifying
 * CTE (its parameters pushed onto `params`), `wakeSql`, the expression that wakes the relay in
 * the same statement (`pg_notify`, or NULL when this process's relay leads and is woken
 * directly), and `written`, to call once the statement returned. NOTIFY and the direct wake
 * both take effect at commit, never for a rollback.
 */
export interface OutboxWrite {
  insertSql: string;
  wakeSql: string;
  written(): void;
}

export function outboxWrite(manager: EntityManager, schema: string, messages: OutboxMessage[], params: unknown[]): OutboxWrite {
  // The trace of the command writing the rows (when tracing), for the relay to continue.
  const traceparent = traceparentOf();
  const rows = messages.map((m) => {
    // A message that carries its own trace (one command of a group commit) keeps it.
    const headers = traceparent && !(TRACEPARENT in m.headers) ? { ...m.headers, [TRACEPARENT]: traceparent } : m.headers;
    params.push(m.eventId, m.topic, m.key, m.value, JSON.stringify(headers));
    const n = params.length;
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
  });
  const insertSql = `INSERT INTO "${schema}".outbox (event_id, topic, message_key, value, headers) VALUES ${rows.join(', ')}`;
  const wake = messages.length > 0 ? leadingRelays.get(manager.dataSource)?.get(schema) : undefined;
  if (!wake) {
    params.push(outboxChannel(schema));
    return { insertSql, wakeSql: `pg_notify($${params.length}, '')`, written: () => undefined };
  }
  const runner = manager.queryRunner;
  return {
    insertSql,
    wakeSql: 'NULL',
    written: () => {
      // In a transaction: at its commit (the subscriber above); alone, the statement has committed.
      if (!runner?.isTransactionActive) return wake();
      const data = runner.data as { [WAKES]?: Set<() => void> };
      (data[WAKES] ??= new Set()).add(wake);
    },
  };
}

/**
 * Appends messages to the outbox inside the caller's transaction, and wakes the relay when
 * that transaction commits (never for a rollback).
 */
export async function appendToOutbox(manager: EntityManager, schema: string, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const params: unknown[] = [];
  const write = outboxWrite(manager, schema, messages, params);
  // One round trip: the INSERT runs as a data-modifying CTE (always in full), the wake-up once.
  await manager.query(`WITH appended AS (${write.insertSql}) SELECT ${write.wakeSql}`, params);
  write.written();
}
