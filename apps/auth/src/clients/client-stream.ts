import type { EntityManager } from 'typeorm';
import type { AnonymousClientCreatedData, SignInFailedData } from '@idstream/contracts';
import { EventStore, type AppendContext } from '../event-store/event-store';

type ClientEvent = { type: 'AnonymousClientCreated'; data: AnonymousClientCreatedData } | { type: 'SignInFailed'; data: SignInFailedData };

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
  const streamId = `client:${context.workspaceId}:${uuid}`;
  const rows: { v: number | null }[] = await manager.query('SELECT max(sequence) AS v FROM auth.events WHERE stream_id = $1', [streamId]);
  await EventStore.append(manager, { streamId, aggregateId: uuid }, rows[0]?.v ?? 0, [{ ...event, publicData: event.data }], context);
}
