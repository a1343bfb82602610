import { parseTimestamp } from '@idstream/contracts';

export interface TimePolicy {
  /** The (corrected) time may be at most this far after receivedAt. */
  maxFutureMs: number;
  /** …and at most this far before it. */
  maxPastMs: number;
}

export type EventTime =
  | {
      ok: true;
      /** Epoch ms of the time to use. */
      occurredAt: number;
      /** `receivedAt - sentAt`; null without sentAt. */
      clockSkewMs: number | null;
    }
  | { ok: false; code: 'EVENT_TIME_INVALID' | 'EVENT_IN_FUTURE' | 'EVENT_TOO_OLD'; detail: string };

/**
 * The time of one event (docs/tracking.md, "Time"). The client's clock is only trusted for
 * durations: with `sentAt`, the event happened `sentAt - occurredAt` before the request left
 * the client, so on the server's clock at `receivedAt - (sentAt - occurredAt)` (transit time
 * counts as skew). Without `sentAt`, the client's `occurredAt` is taken as is; without
 * `occurredAt`, the event happened when it was received. The result must lie within
 * [receivedAt - maxPast, receivedAt + maxFuture].
 */
export function eventTime(clientOccurredAt: string | undefined, sentAt: string | null, receivedAt: number, policy: TimePolicy): EventTime {
  return eventTimeAt(clientOccurredAt, sentAt === null ? null : parseTimestamp(sentAt), receivedAt, policy);
}

/** `eventTime` with the record's `sentAt` already parsed (epoch ms; null without one): the ingester parses it once per record. */
export function eventTimeAt(clientOccurredAt: string | undefined, sent: number | null, receivedAt: number, policy: TimePolicy): EventTime {
  const clockSkewMs = sent === null ? null : receivedAt - sent;
  let occurredAt = receivedAt;
  if (clientOccurredAt !== undefined) {
    const client = parseTimestamp(clientOccurredAt);
    if (client === null) return { ok: false, code: 'EVENT_TIME_INVALID', detail: 'occurredAt is not an RFC 3339 date-time' };
    occurredAt = sent === null ? client : receivedAt - (sent - client);
  }
  if (occurredAt > receivedAt + policy.maxFutureMs) {
    return {
      ok: false,
      code: 'EVENT_IN_FUTURE',
      detail: `occurred ${occurredAt - receivedAt} ms after it was received (at most ${policy.maxFutureMs})`,
    };
  }
  if (occurredAt < receivedAt - policy.maxPastMs) {
    return {
      ok: false,
      code: 'EVENT_TOO_OLD',
      detail: `occurred ${receivedAt - occurredAt} ms before it was received (at most ${policy.maxPastMs})`,
    };
  }
  return { ok: true, occurredAt, clockSkewMs };
}
