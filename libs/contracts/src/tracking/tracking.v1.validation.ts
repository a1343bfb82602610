import { isUuid } from '../ids';
import type { TrackingClientEvent, TrackingRawRecord, TrackingRejectCode } from './tracking.v1.events';

/**
 * The rules of a tracking event, shared by the gateway (which answers a bad event in its 202)
 * and the ingester (which re-checks everything, since any edge may write `tracking.raw`).
 * Pure: no clock, no I/O.
 */
export const TRACKING_LIMITS = Object.freeze({
  maxEventsPerRequest: 500,
  maxTypeLength: 100,
  maxLabelLength: 200,
  maxParamsBytes: 8192,
  maxParamsDepth: 5,
  maxRequestIdLength: 200,
  maxTokenLength: 8192,
});

const EVENT_FIELDS = new Set(['id', 'type', 'occurredAt', 'label', 'params']);

export type TrackingEventCheck = { ok: true; event: TrackingClientEvent } | { ok: false; code: TrackingRejectCode; detail: string };

export function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an RFC 3339 date-time with a zone (`2025-03-01T08:00:00.123Z`,
 * `…+02:00`); null for anything else, including dates that do not exist and leap seconds.
 * Digits past the millisecond are dropped.
 */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  // The ingester parses several per event: the form every edge writes is read without the regex.
  if (value.length === 24) {
    const fast = parseUtcMillis(value);
    if (fast !== undefined) return fast;
  }
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  return utc.getTime() - offsetMinutes * 60_000;
}

/** The value of `n` decimal digits at `from`, or -1 when one is not a digit. */
function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what `toISOString` writes) without the regex or a Date: epoch
 * ms, null for a date that does not exist, undefined for any other form (the regex decides).
 */
function parseUtcMillis(s: string): number | null | undefined {
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const ms = digitsAt(s, 20, 3);
  // Years below 100 go through the regex path (Date.UTC would read them as 19xx).
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** Nesting depth of a JSON value: a scalar is 0, `{}` is 1. Stops counting past `limit`. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, unknown>)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1));
    if (deepest > limit) break;
  }
  return 1 + deepest;
}

const invalid = (code: TrackingRejectCode, detail: string): TrackingEventCheck => ({ ok: false, code, detail });

/**
 * Checks one event's shape: a JSON object with only the known fields, a UUID `id` (required:
 * the client's de-duplication key), a `type` of 1–100 characters, an optional `label` of 1–200,
 * optional `params` (an object of at most 8 KiB and 5 levels), an optional RFC 3339
 * `occurredAt`. Returns a copy holding exactly those fields.
 */
export function validateTrackingEvent(value: unknown): TrackingEventCheck {
  const L = TRACKING_LIMITS;
  if (!isPlainJsonObject(value)) return invalid('EVENT_MALFORMED', 'an event must be a JSON object');
  const unknown = Object.keys(value).filter((k) => !EVENT_FIELDS.has(k));
  if (unknown.length > 0) return invalid('EVENT_MALFORMED', `unknown field ${unknown.slice(0, 3).join(', ').slice(0, 200)}`);
  const { id, type, occurredAt, label, params } = value;
  if (id === undefined) return invalid('EVENT_ID_MISSING', 'id is required: a UUID the client generates and reuses on every retry');
  if (!isUuid(id)) return invalid('EVENT_ID_INVALID', 'id must be a UUID');
  if (typeof type !== 'string' || type.length < 1 || type.length > L.maxTypeLength) {
    return invalid('EVENT_TYPE_INVALID', `type must be a string of 1 to ${L.maxTypeLength} characters`);
  }
  if (label !== undefined && (typeof label !== 'string' || label.length < 1 || label.length > L.maxLabelLength)) {
    return invalid('EVENT_LABEL_INVALID', `label must be a string of 1 to ${L.maxLabelLength} characters`);
  }
  if (params !== undefined) {
    if (!isPlainJsonObject(params)) return invalid('EVENT_PARAMS_INVALID', 'params must be a JSON object');
    if (depthOf(params, L.maxParamsDepth) > L.maxParamsDepth)
      return invalid('EVENT_PARAMS_INVALID', `params may nest at most ${L.maxParamsDepth} levels`);
    if (Buffer.byteLength(JSON.stringify(params), 'utf8') > L.maxParamsBytes) {
      return invalid('EVENT_PARAMS_INVALID', `params must be at most ${L.maxParamsBytes} bytes as JSON`);
    }
  }
  if (occurredAt !== undefined && parseTimestamp(occurredAt) === null) {
    return invalid('EVENT_TIME_INVALID', 'occurredAt must be an RFC 3339 date-time with a zone, e.g. 2025-03-01T08:00:00.000Z');
  }
  const event: TrackingClientEvent = { id, type };
  if (typeof occurredAt === 'string') event.occurredAt = occurredAt;
  if (typeof label === 'string') event.label = label;
  if (params !== undefined) event.params = params;
  return { ok: true, event };
}

/** The `id` of something that looks like an event, for rejection records; null when it has no string id. */
export function eventIdOf(value: unknown): string | null {
  if (!isPlainJsonObject(value)) return null;
  const { id } = value;
  return typeof id === 'string' && id.length <= 100 ? id : null;
}

export type TrackingRawParse = { ok: true; record: TrackingRawRecord } | { ok: false; detail: string };

/**
 * Reads one `tracking.raw` value. Fields this version does not know are ignored (a newer edge
 * may add some); a missing or mistyped known field makes the whole record unreadable.
 */
export function parseTrackingRawRecord(raw: Buffer | string | null): TrackingRawParse {
  if (raw === null) return { ok: false, detail: 'empty record' };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (error) {
    return { ok: false, detail: `not JSON: ${(error as Error).message}`.slice(0, 300) };
  }
  if (!isPlainJsonObject(value)) return { ok: false, detail: 'the record is not a JSON object' };
  const L = TRACKING_LIMITS;
  const { schemaVersion, requestId, deviceUuid, receivedAt, sentAt, token, events } = value;
  if (schemaVersion !== 1)
    return { ok: false, detail: `unsupported schemaVersion ${JSON.stringify(schemaVersion) ?? 'undefined'}`.slice(0, 100) };
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > L.maxRequestIdLength)
    return { ok: false, detail: 'requestId is missing or not a string' };
  if (!isUuid(deviceUuid)) return { ok: false, detail: 'deviceUuid is not a UUID' };
  if (parseTimestamp(receivedAt) === null) return { ok: false, detail: 'receivedAt is not an RFC 3339 date-time' };
  if (sentAt !== null && parseTimestamp(sentAt) === null) return { ok: false, detail: 'sentAt is neither null nor an RFC 3339 date-time' };
  if (typeof token !== 'string' || token.length === 0 || token.length > L.maxTokenLength)
    return { ok: false, detail: 'token is missing or not a string' };
  if (!Array.isArray(events) || events.length === 0) return { ok: false, detail: 'events is not a non-empty array' };
  return {
    ok: true,
    record: { schemaVersion: 1, requestId, deviceUuid, receivedAt: receivedAt as string, sentAt: sentAt as string | null, token, events },
  };
}
