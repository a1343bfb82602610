import type { EntityManager } from 'typeorm';
import {
  envelopeHeaders,
  IDENTITY_SCHEMA_VERSION,
  IDENTITY_SCHEMA_VERSION_SEALED,
  Topics,
  uuidv7,
  type Envelope,
} from '@idstream/contracts';
import { sealedPathsOf } from '@idstream/crypto';
import { TRACEPARENT } from '@idstream/messaging';
import { outboxWrite, PgErrors, pgErrorCode } from '@idstream/persistence';
import {
  MissingDataKey,
  SEALED_STORED_VERSION,
  holdsPersonalValues,
  openStored,
  sealPublic,
  sealStored,
  storedSealedPaths,
  streamKeys,
  type StreamKeys,
} from './sealed-events';

/** An event as `auth` stores it. Stored data may hold what the public event must not (hashes). */
export interface StoredEvent<TType extends string = string, TData = unknown> {
  streamId: string;
  sequence: number;
  eventId: string;
  workspaceId: string;
  type: TType;
  schemaVersion: number;
  data: TData;
  occurredAt: Date;
  correlationId: string;
  causationId: string | null;
}

export interface NewEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
  /** The public form for `identity.events`, or null when the event stays private to auth. */
  publicData: unknown;
}

export interface AppendContext {
  workspaceId: string;
  correlationId: string;
  causationId?: string | null;
  now: Date;
  /**
   * The data keys of profile streams (default: the process's, `useStreamKeys`): an event
   * holding personal values is sealed with its aggregate's key; without keys it is refused.
   */
  keys?: StreamKeys;
  /**
   * The aggregate's data key as the command's load already read it (one round trip fewer);
   * without it the key is read, or made, in the append's transaction.
   */
  dataKey?: Buffer;
  /** The trace of the command, when it is not the active one (a group commit writes for many commands). */
  traceparent?: string;
}

/** Thrown when another writer appended to the stream first; the handler reloads and retries. */
export class ConcurrencyConflict extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} changed concurrently`);
  }
}

/**
 * The event store of `auth`: append-only, one row per event, (stream, sequence) unique.
 * Appending also writes the public envelopes to the outbox in the same transaction.
 * `load` and `append` are the whole interface: every read and write of `auth.events` by the
 * write side goes through them. Personal fields are sealed on the way in and opened on the
 * way out (sealed-events.ts): what is stored and published for a profile is unreadable once
 * its data key is destroyed.
 */
export const EventStore = {
  /**
   * The events of `streamId` after sequence `after` (0: the whole stream), in order, in clear:
   * sealed fields open with the stream's data key (withheld once the profile was erased).
   */
  async load(manager: EntityManager, streamId: string, after = 0): Promise<StoredEvent[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT stream_id, sequence, event_id, workspace_id, type, schema_version, data, occurred_at, correlation_id, causation_id
         FROM auth.events WHERE stream_id = $1 AND sequence > $2 ORDER BY sequence`,
      [streamId, after],
    );
    const sealed = rows.some((r) => (r.schema_version as number) >= SEALED_STORED_VERSION);
    const keys = streamKeys();
    if (sealed && !keys) throw new MissingDataKey(streamId, 'no data keys to open it');
    const key = sealed && keys ? ((await keys.existing(manager, [streamId])).get(streamId) ?? null) : null;
    return rows.map((r) => ({
      streamId: r.stream_id as string,
      sequence: r.sequence as number,
      eventId: r.event_id as string,
      workspaceId: r.workspace_id as string,
      type: r.type as string,
      schemaVersion: r.schema_version as number,
      data: (r.schema_version as number) >= SEALED_STORED_VERSION ? openStored(r.type as string, r.data, key, streamId) : r.data,
      occurredAt: r.occurred_at as Date,
      correlationId: r.correlation_id as string,
      causationId: (r.causation_id as string | null) ?? null,
    }));
  },

  /**
   * Appends to `streamId` (unique in auth; e.g. `<workspace>:<uuid>` for a device) events
   * published under `aggregateId` (the Kafka key), after `expectedVersion` (the sequence of the last event the decision saw, 0 for a
   * new stream). Returns the public envelopes written to the outbox.
   */
  async append(
    manager: EntityManager,
    stream: { streamId: string; aggregateId: string },
    expectedVersion: number,
    events: NewEvent[],
    context: AppendContext,
    options: AppendOptions = {},
  ): Promise<Envelope[]> {
    return this.appendMany(manager, [{ stream, expectedVersion, events, context }], options);
  },

  /**
   * `append` for several streams in one go (group commit): one INSERT of every event, one
   * INSERT of every outbox row and one wake-up of the relay, in the caller's transaction.
   * A stream that moved meanwhile fails the whole call (ConcurrencyConflict); the transaction
   * must then roll back, as for `append`.
   */
  async appendMany(manager: EntityManager, appends: StreamAppend[], options: AppendOptions = {}): Promise<Envelope[]> {
    const envelopes: Envelope[] = [];
    const traces = new Map<string, string>();
    const params: unknown[] = [];
    const values: string[] = [];
    for (const { stream, expectedVersion, events, context } of appends) {
      const { aggregateId } = stream;
      let sequence = expectedVersion;
      const key = await dataKeyFor(manager, stream, events, context);
      for (const event of events) {
        sequence += 1;
        const eventId = uuidv7(context.now.getTime());
        // Per event type: the types with personal fields travel sealed (version 2), the others at version 1.
        const schemaVersion = sealedPathsOf(event.type).length > 0 ? IDENTITY_SCHEMA_VERSION_SEALED : IDENTITY_SCHEMA_VERSION;
        const sealed = new Map<string, string>();
        const stored = key ? sealStored(event.type, event.data, key, aggregateId, sealed) : event.data;
        const n = params.length;
        params.push(
          stream.streamId,
          sequence,
          eventId,
          context.workspaceId,
          event.type,
          SEALED_STORED_VERSION,
          JSON.stringify(stored),
          context.now,
          context.correlationId,
          context.causationId ?? null,
        );
        values.push(
          `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}::jsonb, $${n + 8}, $${n + 9}, $${n + 10})`,
        );
        if (event.publicData !== null) {
          if (context.traceparent) traces.set(eventId, context.traceparent);
          envelopes.push({
            id: eventId,
            type: event.type,
            schemaVersion,
            occurredAt: context.now.toISOString(),
            workspaceId: context.workspaceId,
            aggregateId,
            sequence,
            correlationId: context.correlationId,
            causationId: context.causationId ?? null,
            data: key ? sealPublic(event.type, event.publicData, key, aggregateId, sealed) : event.publicData,
          });
        }
      }
    }
    if (values.length === 0) return envelopes;
    // One round trip for the whole append: the events, their outbox rows and the caller's
    // co-writes (the profile's snapshot) as data-modifying CTEs of one statement, which runs in
    // full or not at all; the relay's wake-up with it.
    const outbox =
      envelopes.length > 0 &&
      outboxWrite(
        manager,
        'auth',
        envelopes.map((e) => ({
          eventId: e.id,
          topic: Topics.identityEvents,
          key: e.aggregateId,
          value: JSON.stringify(e),
          headers: traces.has(e.id) ? { ...envelopeHeaders(e), [TRACEPARENT]: traces.get(e.id)! } : envelopeHeaders(e),
        })),
        params,
      );
    const parts = [
      `appended AS (INSERT INTO auth.events (stream_id, sequence, event_id, workspace_id, type, schema_version, data, occurred_at, correlation_id, causation_id)
         VALUES ${values.join(', ')})`,
      ...(outbox ? [`published AS (${outbox.insertSql})`] : []),
      ...(options.alsoWrite ?? []).map((write, i) => `also_${i} AS (${write(params)})`),
    ];
    try {
      await manager.query(`WITH ${parts.join(', ')} SELECT ${outbox ? outbox.wakeSql : 'NULL'}`, params);
    } catch (error) {
      if (pgErrorCode(error) === PgErrors.uniqueViolation)
        throw new ConcurrencyConflict(
          appends.length === 1 ? appends[0]!.stream.streamId : appends.map((a) => a.stream.streamId).join(', '),
        );
      throw error;
    }
    if (outbox) outbox.written();
    return envelopes;
  },
};

/**
 * A write made in the append's own statement (a data-modifying CTE): pushes its parameters
 * onto `params` and answers its SQL (an INSERT, UPDATE or DELETE without RETURNING). It runs
 * with the append or not at all, and sees the tables as they were before the statement.
 */
export type CoWrite = (params: unknown[]) => string;

export interface AppendOptions {
  alsoWrite?: CoWrite[];
}

/** One stream's part of `EventStore.appendMany`. */
export interface StreamAppend {
  stream: { streamId: string; aggregateId: string };
  expectedVersion: number;
  events: NewEvent[];
  context: AppendContext;
}

/** The aggregate's data key when one of `events` holds personal values; a profile erased or no keys given refuse the append. */
async function dataKeyFor(
  manager: EntityManager,
  stream: { streamId: string; aggregateId: string },
  events: NewEvent[],
  context: AppendContext,
): Promise<Buffer | null> {
  if (!events.some((e) => holdsPersonalValues(e.data, storedSealedPaths(e.type)))) return null;
  if (context.dataKey) return context.dataKey;
  const keys = streamKeys(context.keys);
  if (!keys) throw new MissingDataKey(stream.streamId, 'no data keys given');
  const key = await keys.keyFor(manager, context.workspaceId, stream.aggregateId);
  if (!key) throw new MissingDataKey(stream.streamId, 'the profile was erased');
  return key;
}
