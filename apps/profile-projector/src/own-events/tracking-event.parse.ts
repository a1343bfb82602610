import { isPlainJsonObject, parseTimestamp } from '@idstream/contracts';

/** What the own-events store keeps of one `TrackingEventAccepted` envelope. */
export interface OwnEventRow {
  /** The envelope's id (uuid v7): the processed id, and the tie-break of the newest-first order. */
  envelopeId: string;
  workspaceId: string;
  deviceUuid: string;
  /** The client's event id. */
  eventId: string;
  /** The ingester's resolution at receipt; null when the device was anonymous then. */
  profileId: string | null;
  eventType: string;
  label: string | null;
  /** Null when the event carried none (or an empty object). */
  params: Record<string, unknown> | null;
  /** Epoch ms, the corrected time. */
  occurredAt: number;
  receivedAt: number;
}

export type TrackingParse = { ok: true; row: OwnEventRow } | { ok: false; reason: string };

const text = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * Reads an accepted tracking event (docs/tracking.md §8) as a tolerant reader: the fields this
 * store needs are checked, any other field is ignored (a newer ingester may add some).
 */
export function parseTrackingEventAccepted(raw: Buffer | string | null): TrackingParse {
  if (raw === null) return { ok: false, reason: 'empty message' };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isPlainJsonObject(value)) return { ok: false, reason: 'not a JSON object' };
  if (value.type !== 'TrackingEventAccepted') return { ok: false, reason: `type ${String(value.type)} is not TrackingEventAccepted` };
  const data = value.data;
  if (!isPlainJsonObject(data)) return { ok: false, reason: 'data is not an object' };
  if (!text(value.id, 64) || !text(value.workspaceId, 128)) return { ok: false, reason: 'id or workspaceId missing' };
  if (!text(data.deviceUuid, 64) || !text(data.eventId, 64)) return { ok: false, reason: 'deviceUuid or eventId missing' };
  if (!text(data.eventType, 100)) return { ok: false, reason: 'eventType is not 1 to 100 characters' };
  if (data.profileId !== null && !text(data.profileId, 128)) return { ok: false, reason: 'profileId is neither null nor an id' };
  if (data.label !== null && data.label !== undefined && !text(data.label, 200))
    return { ok: false, reason: 'label is not 1 to 200 characters' };
  if (data.params !== undefined && data.params !== null && !isPlainJsonObject(data.params))
    return { ok: false, reason: 'params is not an object' };
  const occurredAt = parseTimestamp(data.occurredAt);
  const receivedAt = parseTimestamp(data.receivedAt);
  if (occurredAt === null || receivedAt === null) return { ok: false, reason: 'occurredAt or receivedAt is not a date-time' };
  const params = isPlainJsonObject(data.params) && Object.keys(data.params).length > 0 ? data.params : null;
  return {
    ok: true,
    row: {
      envelopeId: value.id,
      workspaceId: value.workspaceId,
      deviceUuid: data.deviceUuid,
      eventId: data.eventId,
      profileId: data.profileId,
      eventType: data.eventType,
      label: typeof data.label === 'string' ? data.label : null,
      params,
      occurredAt,
      receivedAt,
    },
  };
}
