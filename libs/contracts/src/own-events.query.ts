import {
  OWN_EVENTS_DEFAULT_LIMIT,
  OWN_EVENTS_MAX_LIMIT,
  OWN_EVENTS_MAX_TYPES,
  OWN_EVENTS_MAX_WINDOW_DAYS,
  type ListOwnEventsQuery,
} from './own-events.rpc';
import { parseTimestamp } from './tracking/tracking.v1.validation';

/** A `GET /v1/account/events` query once checked: times in epoch ms, defaults filled in. */
export interface OwnEventsWindow {
  from: number;
  to: number;
  types: string[] | null;
  limit: number;
  cursor: string | null;
}

export type OwnEventsQueryCheck = { ok: true; value: OwnEventsWindow } | { ok: false; errors: { field: string; message: string }[] };

const DAY_MS = 86_400_000;
export const OWN_EVENTS_MAX_CURSOR_LENGTH = 256;

/**
 * The rules of an own-events query, in one place for the gateway (400 before any call) and the
 * projector (which trusts nothing that crossed a process boundary): `from` an RFC 3339
 * date-time, `to` one too or now, `from` before `to`, at most 90 days between them, 1 to 20
 * types of 1 to 100 characters, a limit of 1 to 500.
 */
export function checkOwnEventsQuery(
  query: Pick<ListOwnEventsQuery, 'from' | 'to' | 'types' | 'limit' | 'cursor'>,
  now: number,
): OwnEventsQueryCheck {
  const errors: { field: string; message: string }[] = [];
  const from = parseTimestamp(query.from);
  if (from === null) errors.push({ field: 'from', message: 'from must be an ISO-8601 date-time with a zone' });
  const to = query.to === undefined ? now : parseTimestamp(query.to);
  if (to === null) errors.push({ field: 'to', message: 'to must be an ISO-8601 date-time with a zone' });
  if (from !== null && to !== null) {
    if (from >= to) errors.push({ field: 'from', message: 'from must be earlier than to (or than now)' });
    else if (to - from > OWN_EVENTS_MAX_WINDOW_DAYS * DAY_MS)
      errors.push({ field: 'from', message: `the window from from to to may span at most ${OWN_EVENTS_MAX_WINDOW_DAYS} days` });
  }
  const types = query.types;
  if (
    types !== undefined &&
    (!Array.isArray(types) ||
      types.length === 0 ||
      types.length > OWN_EVENTS_MAX_TYPES ||
      types.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 100))
  ) {
    errors.push({ field: 'types', message: `types must list 1 to ${OWN_EVENTS_MAX_TYPES} event types of 1 to 100 characters` });
  }
  const limit = query.limit ?? OWN_EVENTS_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > OWN_EVENTS_MAX_LIMIT)
    errors.push({ field: 'limit', message: `limit must be a whole number from 1 to ${OWN_EVENTS_MAX_LIMIT}` });
  const cursor = query.cursor;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > OWN_EVENTS_MAX_CURSOR_LENGTH))
    errors.push({ field: 'cursor', message: 'cursor must be the nextCursor of an earlier page' });
  if (errors.length > 0 || from === null || to === null) return { ok: false, errors };
  return { ok: true, value: { from, to, types: types ? [...new Set(types)] : null, limit, cursor: cursor ?? null } };
}
