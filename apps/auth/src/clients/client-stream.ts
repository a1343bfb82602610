import type { EntityManager } from 'typeorm';
import type { AnonymousClientCreatedData, SignInFailedData } from '@idstream/contracts';
import { EventStore, type AppendContext } from '../event-store/event-store';

type ClientEvent = { type: 'AnonymousClientCreated'; data: AnonymousClientCreatedData } | { type: 'SignInFailed'; data: SignInFailedData };

const clientStreamId = (workspaceId: string, uuid: string): string => `client:${workspaceId}:${uuid}`;

/**
 * A device's own stream (`client:<workspace>:<uuid>`, published under the uuid): its creation,
 * and the failed sign-ins from it for emails that have no account.
 */
export async function appendToClientStream(
  manager: EntityManager,
  uuid: string,
  event: ClientEvent,
  context: AppendContext,
): Promise<void> {
  const streamId = clientStreamId(context.workspaceId, uuid);
  const rows: { v: number | null }[] = await manager.query('SELECT max(sequence) AS v FROM auth.events WHERE stream_id = $1', [streamId]);
  await EventStore.append(manager, { streamId, aggregateId: uuid }, rows[0]?.v ?? 0, [{ ...event, publicData: event.data }], context);
}

/** One first visit of a device, as the group commit of new devices carries it. */
export interface NewDevice {
  workspaceId: string;
  uuid: string;
  correlationId: string;
  now: Date;
  /** The trace of the request (the commit runs in another request's context). */
  traceparent?: string;
}

/**
 * The first visits of many devices in the caller's (one) transaction, in two statements
 * whatever their number: `auth.clients` takes every (workspace, uuid) not yet there (with the
 * heads of their streams), and each device it took gets AnonymousClientCreated on its stream,
 * with its outbox row (the events, the outbox rows and the relay's wake-up in one statement). A device already known (an
 * earlier visit, a retry after a lost answer, a repeat in the same batch) records nothing.
 * Answers, per device in order, whether this call created it.
 */
export async function createClientStreams(manager: EntityManager, devices: NewDevice[]): Promise<boolean[]> {
  if (devices.length === 0) return [];
  // The devices taken, each with its stream's head: a new device's stream is empty, unless a
  // failed sign-in from it was recorded first. One statement.
  const created: { workspace_id: string; uuid: string; v: number | null }[] = await manager.query(
    `WITH created AS (
       INSERT INTO auth.clients (workspace_id, uuid) SELECT * FROM unnest($1::text[], $2::uuid[])
       ON CONFLICT DO NOTHING RETURNING workspace_id, uuid)
     SELECT c.workspace_id, c.uuid,
            (SELECT max(e.sequence) FROM auth.events e WHERE e.stream_id = 'client:' || c.workspace_id || ':' || c.uuid::text) AS v
       FROM created c`,
    [devices.map((d) => d.workspaceId), devices.map((d) => d.uuid)],
  );
  const head = new Map(created.map((r) => [clientStreamId(r.workspace_id, r.uuid), r.v ?? 0]));
  // The first caller of a (workspace, uuid) repeated in the batch is the one that created it.
  const first = new Map<string, NewDevice>();
  for (const d of devices) {
    const streamId = clientStreamId(d.workspaceId, d.uuid);
    if (head.has(streamId) && !first.has(streamId)) first.set(streamId, d);
  }
  if (first.size > 0) {
    await EventStore.appendMany(
      manager,
      [...first].map(([streamId, d]) => ({
        stream: { streamId, aggregateId: d.uuid },
        expectedVersion: head.get(streamId)!,
        events: [{ type: 'AnonymousClientCreated', data: { uuid: d.uuid }, publicData: { uuid: d.uuid } }],
        context: { workspaceId: d.workspaceId, correlationId: d.correlationId, now: d.now, traceparent: d.traceparent },
      })),
    );
  }
  return devices.map((d) => first.get(clientStreamId(d.workspaceId, d.uuid)) === d);
}
