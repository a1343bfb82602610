import type { Identity } from '../session/session.document';

/** An event waiting to be sent, with the identity whose token must sign it. */
export interface QueuedEvent {
  id: string;
  type: string;
  occurredAt: string;
  label?: string;
  params?: Record<string, unknown>;
  identity: Identity;
}

/**
 * The persisted queue's index (document "queue"): its segments in order, and what happened to
 * events that were not sent. Each segment (document "queue.<id>") holds up to one batch of
 * events, so that appending, sending and settling rewrite one batch, never the whole queue.
 */
export interface QueueIndex {
  segments: string[];
  /** Dropped, oldest first, because the queue was full. */
  dropped: number;
  /** Recorded by a customer session that ended before they could be sent with its token. */
  undeliverable: number;
  /** Refused by the server (a bad event: retrying would not help). */
  rejected: number;
}

export interface Segment {
  events: QueuedEvent[];
}

export const EMPTY_INDEX: QueueIndex = { segments: [], dropped: 0, undeliverable: 0, rejected: 0 };
export const EMPTY_SEGMENT: Segment = { events: [] };
