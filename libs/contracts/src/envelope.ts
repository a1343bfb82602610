import type * as V1 from './identity/identity.v1.events';
import type { IdentityEventDataMap, IdentityEventType } from './identity/identity.v1.events';
import type * as V2 from './identity/identity.v2.envelopes';

/**
 * The one envelope of every message on `identity.events` and `tracking.events`
 * (docs/architecture.md §4). Consumers are idempotent by `id`.
 */
export interface Envelope<TType extends string = string, TData = unknown> {
  /** UUID v7. */
  id: string;
  type: TType;
  schemaVersion: number;
  /** ISO-8601. */
  occurredAt: string;
  workspaceId: string;
  aggregateId: string;
  /** Version of the aggregate's stream after this event (1, 2, ...). */
  sequence: number;
  correlationId: string;
  causationId: string | null;
  data: TData;
}

/** A schema-version-1 identity envelope as published before sealing (clear personal fields). */
export type IdentityEventV1 = {
  [K in IdentityEventType]: Envelope<K, IdentityEventDataMap[K]>;
}[IdentityEventType];

/** A schema-version-2 identity envelope: an event with personal fields, sealed (identity.v2.events.ts). */
export type IdentityEventV2 = V2.UserRegistered | V2.AccountUpdated | V2.ProfileImported;

/** A message of `identity.events` as it travels: either schema version. */
export type WireIdentityEvent = IdentityEventV1 | IdentityEventV2;

/**
 * The data of an identity event as consumers handle it: version 1's, where a personal field
 * may be withheld (its key destroyed by an erasure, or a consumer without keys): a sealed
 * object is then `{}` and an email `null`, which only UserRegistered's email type must allow.
 */
export type OpenIdentityEventDataMap = Omit<IdentityEventDataMap, 'UserRegistered'> & {
  UserRegistered: Omit<V1.UserRegisteredData, 'email'> & { email: string | null };
};

/**
 * The discriminated union of identity envelopes as consumers handle them, whatever the
 * version they travelled in (personal fields in clear, or withheld): switch on `type` and
 * `data` is typed. A version-1 envelope is one already.
 */
export type IdentityEvent = {
  [K in IdentityEventType]: Envelope<K, OpenIdentityEventDataMap[K]>;
}[IdentityEventType];

/** Kafka headers that repeat envelope fields, so routers need not parse the value. */
export const EnvelopeHeaders = {
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  traceparent: 'traceparent',
} as const;

export function envelopeHeaders(envelope: Envelope, traceparent?: string): Record<string, string> {
  const headers: Record<string, string> = {
    [EnvelopeHeaders.eventType]: envelope.type,
    [EnvelopeHeaders.schemaVersion]: String(envelope.schemaVersion),
    [EnvelopeHeaders.correlationId]: envelope.correlationId,
  };
  if (traceparent) headers[EnvelopeHeaders.traceparent] = traceparent;
  return headers;
}
