import { identityKey, type Identity } from '../session/session.document';

/** An event waiting to be sent, with the identity whose token must sign it. */
export interface QueuedEvent {
  id: string;
  type: string;
  occurredAt: string;
  label?: string;
  params?: Record<string, unknown>;
  identity: Identity;
}

/** The persisted queue (document "queue") and what happened to events that were not sent. */
export interface QueueDocument {
  events: QueuedEvent[];
  /** Dropped, oldest first, because the queue was full. */
  dropped: number;
  /** Recorded by a customer session that ended before they could be sent with its token. */
  undeliverable: number;
  /** Refused by the server (a bad event: retrying would not help). */
  rejected: number;
}

export const EMPTY_QUEUE: QueueDocument = { events: [], dropped: 0, undeliverable: 0, rejected: 0 };

/** Appends, then drops the oldest beyond `max` and counts them. Pure. */
export function enqueue(queue: QueueDocument, events: QueuedEvent[], max: number): QueueDocument {
  const all = [...queue.events, ...events];
  const overflow = Math.max(0, all.length - max);
  return { ...queue, events: overflow > 0 ? all.slice(overflow) : all, dropped: queue.dropped + overflow };
}

/** The oldest events of one identity, in order, up to `max`: one request carries one token. Pure. */
export function nextBatch(queue: QueueDocument, max: number): QueuedEvent[] {
  const first = queue.events[0];
  if (!first) return [];
  const key = identityKey(first.identity);
  const batch: QueuedEvent[] = [];
  for (const event of queue.events) {
    if (batch.length >= max || identityKey(event.identity) !== key) break;
    batch.push(event);
  }
  return batch;
}

/** Removes the events with these ids, adding their count to one of the counters. Pure. */
export function settle(queue: QueueDocument, ids: Set<string>, counter?: 'undeliverable' | 'rejected', count = ids.size): QueueDocument {
  const next = { ...queue, events: queue.events.filter((e) => !ids.has(e.id)) };
  if (counter) next[counter] = queue[counter] + count;
  return next;
}
