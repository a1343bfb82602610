/**
 * A customer's own tracking events (`GET /v1/account/events`): the query the gateway sends to
 * `profile-projector` over Nest's TCP transport, and its answer. The projector validates the
 * payload again (it crossed a process boundary).
 */
export const OwnEventsPatterns = {
  list: 'own-events.list',
} as const;

/** The longest window one query may span (from `from` to `to`, or to now). */
export const OWN_EVENTS_MAX_WINDOW_DAYS = 90;
/** The largest page; `limit` defaults to OWN_EVENTS_DEFAULT_LIMIT. */
export const OWN_EVENTS_MAX_LIMIT = 500;
export const OWN_EVENTS_DEFAULT_LIMIT = 100;
/** At most this many event types in one `types` filter, each 1 to 100 characters (the tracking rule). */
export const OWN_EVENTS_MAX_TYPES = 20;

export interface ListOwnEventsQuery {
  workspaceId: string;
  /** The customer: a verified token's `sub`. */
  profileId: string;
  /** The token's `sid`: refused when the projector has seen that session closed. */
  sessionId: string;
  /** ISO-8601, inclusive. */
  from: string;
  /** ISO-8601, exclusive; the projector's now when absent. */
  to?: string;
  types?: string[];
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface OwnEventItem {
  /** The client's event id. */
  id: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  label?: string;
  params?: Record<string, unknown>;
  /** The device that sent it. */
  uuid: string;
}

export interface OwnEventsPage {
  items: OwnEventItem[];
  /** Present when more items may follow (older ones): pass it back as `cursor`. */
  nextCursor?: string;
}
