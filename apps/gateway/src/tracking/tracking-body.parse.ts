import {
  TRACKING_LIMITS,
  isPlainJsonObject,
  parseTimestamp,
  validateTrackingEvent,
  type TrackingClientEvent,
  type TrackingRejectCode,
} from '@idstream/contracts';
import { inspectInput } from '../http/input-inspection';

/** One event the gateway refused, answered in the 202 body (its index in the request). */
export interface RejectedAtIntake {
  index: number;
  code: TrackingRejectCode;
}

export type TrackingBody =
  | { ok: true; events: TrackingClientEvent[]; rejected: RejectedAtIntake[]; sentAt: string | null }
  | { ok: false; message: string; errors: { field: string; message: string }[] };

const BATCH_FIELDS = new Set(['events', 'sentAt']);

const unusable = (message: string, errors: { field: string; message: string }[] = [{ field: '(body)', message }]): TrackingBody => ({
  ok: false,
  message,
  errors,
});

/**
 * Reads the body of `POST /v1/events`: one event, or `{ events: [...], sentAt? }` with 1 to 500
 * events. Each event is checked alone (validateTrackingEvent, the same rules the ingester
 * applies again): a bad one is answered as `{ index, code }` and the rest go on. The body is
 * unusable (400) when it is neither shape, when a batch field is wrong, or when no event passes.
 */
export function parseTrackingBody(body: unknown): TrackingBody {
  if (!isPlainJsonObject(body)) return unusable('The body must be one event or { events: [...], sentAt? }');
  let candidates: unknown[];
  let sentAt: string | null = null;
  let batch = false;
  if ('events' in body) {
    batch = true;
    const unknown = Object.keys(body).filter((k) => !BATCH_FIELDS.has(k));
    if (unknown.length > 0)
      return unusable(
        `${unknown[0]!.slice(0, 100)} is not an accepted field`,
        unknown.slice(0, 10).map((f) => ({ field: f.slice(0, 100), message: `${f.slice(0, 100)} is not an accepted field` })),
      );
    if (!Array.isArray(body.events) || body.events.length === 0)
      return unusable('events must be a non-empty array', [{ field: 'events', message: 'events must be a non-empty array' }]);
    const max = TRACKING_LIMITS.maxEventsPerRequest;
    if (body.events.length > max)
      return unusable(`A request carries at most ${max} events`, [{ field: 'events', message: `at most ${max} events per request` }]);
    if (body.sentAt !== undefined) {
      if (parseTimestamp(body.sentAt) === null) {
        return unusable('sentAt must be an RFC 3339 date-time with a zone', [
          { field: 'sentAt', message: 'sentAt must be an RFC 3339 date-time with a zone' },
        ]);
      }
      sentAt = body.sentAt as string;
    }
    candidates = body.events;
  } else {
    candidates = [body];
  }

  const events: TrackingClientEvent[] = [];
  const rejected: RejectedAtIntake[] = [];
  const errors: { field: string; message: string }[] = [];
  candidates.forEach((candidate, index) => {
    // The edge's string and shape check, per event (the route is @ItemisedBody): one hostile
    // event is rejected alone, like any other malformed one.
    const finding = inspectInput(candidate, batch ? `events[${index}]` : '');
    const checked =
      finding === null ? validateTrackingEvent(candidate) : ({ ok: false, code: 'EVENT_MALFORMED', detail: finding.message } as const);
    if (checked.ok) events.push(checked.event);
    else {
      rejected.push({ index, code: checked.code });
      if (errors.length < 50) errors.push({ field: batch ? `events[${index}]` : '(body)', message: `${checked.code}: ${checked.detail}` });
    }
  });
  if (events.length === 0) {
    return unusable(batch ? 'No event of the batch is valid' : (errors[0]?.message ?? 'The event is not valid'), errors);
  }
  return { ok: true, events, rejected, sentAt };
}
