import {
  TRACKING_SCOPE,
  eventIdOf,
  parseTimestamp,
  validateTrackingEvent,
  type TrackingEventAcceptedData,
  type TrackingRawRecord,
  type TrackingRejectCode,
  type TrackingRejectStage,
  type TrackingSource,
} from '@idstream/contracts';
import { hasScope, type AccessTokenClaims } from '@idstream/crypto';
import { profileAt, revokedAt, type DeviceLink, type SessionClosure } from '../identity/identity-view.change';
import { eventTimeAt, type TimePolicy } from './event-time';

/** Where a record was read. */
export interface InputRef {
  topic: string;
  partition: number;
  offset: string;
}

/** The token of a record, verified at its `receivedAt` (signature, kid, issuer, expiry). */
export type TokenCheck =
  { ok: true; claims: AccessTokenClaims; kid: string } | { ok: false; code: 'TOKEN_INVALID' | 'TOKEN_EXPIRED'; reason: string };

/** An event that passed every check but de-duplication. */
export interface Candidate {
  workspaceId: string;
  deviceUuid: string;
  eventId: string;
  index: number;
  /** Epoch ms. */
  receivedAt: number;
  data: TrackingEventAcceptedData;
  /** The event as the client sent it, for a DUPLICATE_EVENT rejection (serialized only then). */
  raw: unknown;
}

export interface Rejection {
  code: TrackingRejectCode;
  stage: TrackingRejectStage;
  detail: string;
  workspaceId: string | null;
  deviceUuid: string | null;
  eventId: string | null;
  requestId: string | null;
  receivedAt: string | null;
  original: Buffer;
  source: TrackingSource;
}

export interface RecordDecision {
  candidates: Candidate[];
  rejections: Rejection[];
}

/** The stage of each code: the order in which the ingester checks. */
export const STAGE_OF: Readonly<Record<TrackingRejectCode, TrackingRejectStage>> = Object.freeze({
  RECORD_MALFORMED: 'parse',
  TOKEN_INVALID: 'token',
  TOKEN_EXPIRED: 'token',
  INSUFFICIENT_SCOPE: 'token',
  TOKEN_REVOKED: 'session',
  DEVICE_MISMATCH: 'device',
  EVENT_MALFORMED: 'validation',
  EVENT_ID_MISSING: 'validation',
  EVENT_ID_INVALID: 'validation',
  EVENT_TYPE_INVALID: 'validation',
  EVENT_LABEL_INVALID: 'validation',
  EVENT_PARAMS_INVALID: 'validation',
  EVENT_TIME_INVALID: 'validation',
  EVENT_IN_FUTURE: 'time',
  EVENT_TOO_OLD: 'time',
  DUPLICATE_EVENT: 'dedupe',
});

/** A record that cannot be read at all: one rejection for the whole record. */
export function unreadableRecord(input: InputRef, key: string | null, value: Buffer | null, detail: string): Rejection {
  return {
    code: 'RECORD_MALFORMED',
    stage: 'parse',
    detail,
    workspaceId: null,
    deviceUuid: key,
    eventId: null,
    requestId: null,
    receivedAt: null,
    original: value ?? Buffer.alloc(0),
    source: { ...input, index: null },
  };
}

export interface RecordFacts {
  input: InputRef;
  /** The Kafka key of the record (the device uuid the edge routed by). */
  key: string | null;
  record: TrackingRawRecord;
  token: TokenCheck;
  /** The closure of the token's session, when the view knows one. */
  closure: SessionClosure | undefined;
  /** The link history of the record's device in the token's workspace. */
  links: readonly DeviceLink[];
  policy: TimePolicy;
}

/**
 * Judges every event of one readable record, in the order of the stages: the token (verified
 * at receivedAt, with the scope `events:track`), its session not closed at receivedAt, the
 * device (record, key and token agree), then each event's shape and time. A failure of the
 * token, session or device rejects every event of the record, one rejection each. Pure.
 */
export function decideRecord(facts: RecordFacts): RecordDecision {
  const { input, key, record, token, closure, links, policy } = facts;
  const receivedAt = parseTimestamp(record.receivedAt)!;
  const rejections: Rejection[] = [];
  const reject = (index: number, event: unknown, code: TrackingRejectCode, detail: string, workspaceId: string | null): void => {
    rejections.push({
      code,
      stage: STAGE_OF[code],
      detail,
      workspaceId,
      deviceUuid: record.deviceUuid,
      eventId: eventIdOf(event),
      requestId: record.requestId,
      receivedAt: record.receivedAt,
      original: Buffer.from(JSON.stringify(event) ?? 'null', 'utf8'),
      source: { ...input, index },
    });
  };
  const rejectAll = (code: TrackingRejectCode, detail: string, workspaceId: string | null): RecordDecision => {
    record.events.forEach((event, index) => reject(index, event, code, detail, workspaceId));
    return { candidates: [], rejections };
  };

  if (!token.ok) return rejectAll(token.code, token.reason, null);
  const { claims, kid } = token;
  if (!hasScope(claims, TRACKING_SCOPE)) return rejectAll('INSUFFICIENT_SCOPE', `the token lacks the scope ${TRACKING_SCOPE}`, claims.aud);
  if (revokedAt(closure, claims.iat, receivedAt))
    return rejectAll('TOKEN_REVOKED', 'the session of the token was closed before the request was received', claims.aud);
  if (record.deviceUuid !== claims.uuid) return rejectAll('DEVICE_MISMATCH', "the record's device is not the token's uuid", claims.aud);
  if (key !== null && key !== record.deviceUuid) return rejectAll('DEVICE_MISMATCH', "the record's key is not its device", claims.aud);

  // A customer token names its profile; an anonymous device resolves through its links.
  const profileId = claims.role === 'customer' ? claims.sub : profileAt(links, receivedAt);
  const candidates: Candidate[] = [];
  const sent = record.sentAt === null ? null : parseTimestamp(record.sentAt);
  record.events.forEach((raw, index) => {
    const checked = validateTrackingEvent(raw);
    if (!checked.ok) return reject(index, raw, checked.code, checked.detail, claims.aud);
    const { event } = checked;
    const time = eventTimeAt(event.occurredAt, sent, receivedAt, policy);
    if (!time.ok) return reject(index, raw, time.code, time.detail, claims.aud);
    candidates.push({
      workspaceId: claims.aud,
      deviceUuid: record.deviceUuid,
      eventId: event.id,
      index,
      receivedAt,
      raw,
      data: {
        eventId: event.id,
        eventType: event.type,
        label: event.label ?? null,
        params: event.params ?? {},
        deviceUuid: record.deviceUuid,
        profileId,
        anonymous: profileId === null,
        occurredAt: new Date(time.occurredAt).toISOString(),
        clientOccurredAt: event.occurredAt ?? null,
        sentAt: record.sentAt,
        receivedAt: record.receivedAt,
        clockSkewMs: time.clockSkewMs,
        token: { kid, jti: claims.jti, sid: claims.sid, role: claims.role },
        requestId: record.requestId,
        source: { ...input, index },
      },
    });
  });
  return { candidates, rejections };
}
