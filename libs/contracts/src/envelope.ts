import type { IdentityEventDataMap, IdentityEventType } from './identity/identity.v1.events';

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

/** The discriminated union of identity envelopes: switch on `type` and `data` is typed. */
export type IdentityEvent = {
  [K in IdentityEventType]: Envelope<K, IdentityEventDataMap[K]>;
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
