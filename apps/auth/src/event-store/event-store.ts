import type { EntityManager } from 'typeorm';
import { envelopeHeaders, Topics, uuidv7, type Envelope } from '@idstream/contracts';
import { appendToOutbox, PgErrors, pgErrorCode } from '@idstream/persistence';

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
  schemaVersion?: number;
}

export interface AppendContext {
  workspaceId: string;
  correlationId: string;
  causationId?: string | null;
  now: Date;
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
 * write side goes through them (a layer that transforms stored data wraps these two).
 */
export const EventStore = {
  /** The events of `streamId` after sequence `after` (0: the whole stream), in order. */
  async load(manager: EntityManager, streamId: string, after = 0): Promise<StoredEvent[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT stream_id, sequence, event_id, workspace_id, type, schema_version, data, occurred_at, correlation_id, causation_id
         FROM auth.events WHERE stream_id = $1 AND sequence > $2 ORDER BY sequence`,
      [streamId, after],
    );
    return rows.map((r) => ({
      streamId: r.stream_id as string,
      sequence: r.sequence as number,
      eventId: r.event_id as string,
      workspaceId: r.workspace_id as string,
      type: r.type as string,
      schemaVersion: r.schema_version as number,
      data: r.data,
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
  ): Promise<Envelope[]> {
    const { streamId, aggregateId } = stream;
    const envelopes: Envelope[] = [];
    let sequence = expectedVersion;
    try {
      for (const event of events) {
        sequence += 1;
        const eventId = uuidv7(context.now.getTime());
        const schemaVersion = event.schemaVersion ?? 1;
        await manager.query(
          `INSERT INTO auth.events (stream_id, sequence, event_id, workspace_id, type, schema_version, data, occurred_at, correlation_id, causation_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
          [
            streamId,
            sequence,
            eventId,
            context.workspaceId,
            event.type,
            schemaVersion,
            JSON.stringify(event.data),
            context.now,
            context.correlationId,
            context.causationId ?? null,
          ],
        );
        if (event.publicData !== null) {
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
            data: event.publicData,
          });
        }
      }
    } catch (error) {
      if (pgErrorCode(error) === PgErrors.uniqueViolation) throw new ConcurrencyConflict(streamId);
      throw error;
    }
    await appendToOutbox(
      manager,
      'auth',
      envelopes.map((e) => ({
        eventId: e.id,
        topic: Topics.identityEvents,
        key: e.aggregateId,
        value: JSON.stringify(e),
        headers: envelopeHeaders(e),
      })),
    );
    return envelopes;
  },
};
