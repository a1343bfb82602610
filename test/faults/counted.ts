import { waitFor, type ReadMessage, type TopicReader } from '@idstream/testing';
import type { Accepted } from './steady-load';

interface Envelope {
  id: string;
  type: string;
  aggregateId: string;
  data: { sessionId?: string; eventId?: string };
}

function parse(messages: ReadMessage[]): Envelope[] {
  return messages.flatMap((m) => {
    try {
      return [JSON.parse(m.value ?? '') as Envelope];
    } catch {
      return [];
    }
  });
}

/**
 * How often each accepted fact is on its topic: the faults must leave every count at exactly 1.
 * Identity facts count distinct event ids: the outbox relay publishes at least once (a crash
 * between Kafka's acknowledgement and marking the row publishes the same envelope again, which
 * consumers skip by id), so one fact is one event id. Tracking facts count messages: the
 * ingester writes them in Kafka transactions, so a read-committed reader sees each once.
 */
export interface Tally {
  registered: Map<string, number>;
  opened: Map<string, number>;
  tracked: Map<string, number>;
  /** Identity messages that repeat an event id already read (re-published by the relay). */
  republished: number;
}

export function tally(identity: ReadMessage[], tracking: ReadMessage[]): Tally {
  const count = (map: Map<string, number>, key: string | undefined) => key !== undefined && map.set(key, (map.get(key) ?? 0) + 1);
  const t: Tally = { registered: new Map(), opened: new Map(), tracked: new Map(), republished: 0 };
  const seen = new Set<string>();
  for (const e of parse(identity)) {
    if (seen.has(e.id)) {
      t.republished++;
      continue;
    }
    seen.add(e.id);
    if (e.type === 'UserRegistered') count(t.registered, e.aggregateId);
    if (e.type === 'SessionOpened') count(t.opened, e.data.sessionId);
  }
  for (const e of parse(tracking)) count(t.tracked, e.data?.eventId);
  return t;
}

/** True once every accepted fact reached its topic (at least once). */
export function allArrived(t: Tally, accepted: Accepted): boolean {
  return (
    accepted.profiles.every((p) => t.registered.has(p)) &&
    accepted.sessions.every((s) => t.opened.has(s)) &&
    accepted.events.every((e) => t.tracked.has(e))
  );
}

/** The facts whose count on the topic is not exactly 1 (missing or doubled), per topic. */
export function miscounted(t: Tally, accepted: Accepted): { registered: string[]; opened: string[]; tracked: string[]; doubled: string[] } {
  const off = (map: Map<string, number>, ids: string[]) => ids.filter((id) => map.get(id) !== 1).map((id) => `${id}×${map.get(id) ?? 0}`);
  return {
    registered: off(t.registered, accepted.profiles),
    opened: off(t.opened, accepted.sessions),
    tracked: off(t.tracked, accepted.events),
    // Also facts no client was told about (a request answered 503 whose record landed) must be there once at most.
    doubled: [...t.registered, ...t.opened, ...t.tracked].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`),
  };
}

/** Waits until every accepted fact reached its topic; on timeout, says how many of which are missing. */
export async function waitAllArrived(identity: TopicReader, tracking: TopicReader, accepted: Accepted, timeoutMs = 90_000): Promise<void> {
  try {
    await waitFor(() => allArrived(tally(identity.messages, tracking.messages), accepted), {
      timeoutMs,
      what: 'every accepted fact on its topic',
    });
  } catch (error) {
    const t = tally(identity.messages, tracking.messages);
    const missing = {
      registrations: accepted.profiles.filter((p) => !t.registered.has(p)).length,
      sessions: accepted.sessions.filter((s) => !t.opened.has(s)).length,
      events: accepted.events.filter((e) => !t.tracked.has(e)).length,
    };
    throw new Error(`${(error as Error).message}; missing: ${JSON.stringify(missing)}`, { cause: error });
  }
}
