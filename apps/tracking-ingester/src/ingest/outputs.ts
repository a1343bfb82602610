import {
  TRACKING_EVENT_ACCEPTED,
  TRACKING_SCHEMA_VERSION,
  envelopeHeaders,
  uuidv7,
  type TrackingEventAccepted,
  type TrackingEventRejected,
} from '@idstream/contracts';
import type { Candidate, Rejection } from './record.decide';

/** A Kafka message, as kafkajs takes it. */
export interface OutMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** The original bytes of a rejection are cut here, so one record always fits a Kafka message. */
export const MAX_ORIGINAL_BYTES = 512 * 1024;

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * The bytes to keep of a rejected input: tracking.rejected must never carry an access token, so
 * anything shaped like a compact JWS is replaced (a record unreadable as JSON may still hold one).
 */
export function redactedOriginal(original: Buffer): { base64: string; truncated: boolean } {
  const text = original.toString('utf8');
  const replaced = text.replace(JWT_LIKE, '[redacted]');
  // Untouched bytes stay exactly as they were (even when they are not UTF-8).
  const clean = replaced === text ? original : Buffer.from(replaced, 'utf8');
  const truncated = clean.length > MAX_ORIGINAL_BYTES;
  return { base64: (truncated ? clean.subarray(0, MAX_ORIGINAL_BYTES) : clean).toString('base64'), truncated };
}

/** The `tracking.events` message of an accepted event: keyed `workspace:device`, in the envelope of ARCHITECTURE §4. */
export function acceptedMessage(candidate: Candidate, now: number): OutMessage {
  const envelope: TrackingEventAccepted = {
    id: uuidv7(now),
    type: TRACKING_EVENT_ACCEPTED,
    schemaVersion: TRACKING_SCHEMA_VERSION,
    occurredAt: candidate.data.occurredAt,
    workspaceId: candidate.workspaceId,
    aggregateId: candidate.deviceUuid,
    // Tracking events are no aggregate's stream: their order is the partition's (one key per device).
    sequence: 1,
    correlationId: candidate.data.requestId,
    causationId: null,
    data: candidate.data,
  };
  return { key: `${candidate.workspaceId}:${candidate.deviceUuid}`, value: JSON.stringify(envelope), headers: envelopeHeaders(envelope) };
}

/** The `tracking.rejected` message of a rejection, keyed by the device uuid when known. */
export function rejectedMessage(rejection: Rejection, now: number): OutMessage {
  const original = redactedOriginal(rejection.original);
  const record: TrackingEventRejected = {
    type: 'TrackingEventRejected',
    schemaVersion: TRACKING_SCHEMA_VERSION,
    id: uuidv7(now),
    code: rejection.code,
    stage: rejection.stage,
    detail: rejection.detail.slice(0, 500),
    rejectedAt: new Date(now).toISOString(),
    workspaceId: rejection.workspaceId,
    deviceUuid: rejection.deviceUuid,
    eventId: rejection.eventId,
    requestId: rejection.requestId,
    receivedAt: rejection.receivedAt,
    original: original.base64,
    originalTruncated: original.truncated,
    source: rejection.source,
  };
  return {
    key: rejection.deviceUuid,
    value: JSON.stringify(record),
    headers: { 'event-type': record.type, 'schema-version': String(record.schemaVersion), 'reject-code': record.code },
  };
}

/**
 * Builds the messages of `items` one send at a time: each chunk holds at most `maxBytes` (one
 * produce request builds one record batch per partition), and the next chunk is built only when
 * the caller asks for it.
 */
export function* messageChunks<T>(items: readonly T[], toMessage: (item: T) => OutMessage, maxBytes: number): Generator<OutMessage[]> {
  let current: OutMessage[] = [];
  let size = 0;
  for (const item of items) {
    const message = toMessage(item);
    const bytes = Buffer.byteLength(message.value, 'utf8') + (message.key?.length ?? 0) + 100;
    if (current.length > 0 && size + bytes > maxBytes) {
      yield current;
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) yield current;
}

/** Splits messages into sends of at most `maxBytes` (one produce request builds one record batch per partition). */
export function chunksOf(messages: readonly OutMessage[], maxBytes: number): OutMessage[][] {
  return [...messageChunks(messages, (m) => m, maxBytes)];
}
