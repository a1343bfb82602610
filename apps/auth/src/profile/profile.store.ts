import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalEmailOrNull, formatPosition, type ClosedSession, type Envelope, type ReplyError } from '@idstream/contracts';
import { DATA_SOURCE } from '@idstream/runtime';
import { ConcurrencyConflict, EventStore } from '../event-store/event-store';
import type { Decision } from './profile.decider';
import type { ProfileEvent } from './profile.events';
import { toPublicData } from './profile.public';
import { evolve, initialProfileState, type ProfileState } from './profile.state';

/** The sessions closed by recorded events, as the gateway's revocation list takes them. */
export function closedSessionsOf(events: ProfileEvent[]): ClosedSession[] {
  return events.flatMap((e) =>
    e.type === 'SessionClosed' ? [{ sessionId: e.data.sessionId, closedAt: e.data.closedAt, forgetAfter: e.data.forgetAfter }] : [],
  );
}

/** Thrown inside a transaction to roll it back and answer `error` (an expected refusal, not a fault). */
export class Refused extends Error {
  constructor(readonly error: ReplyError) {
    super(error.code);
  }
}

export interface CommandContext {
  workspaceId: string;
  correlationId: string;
  now: Date;
}

export interface Outcome {
  error?: ReplyError;
  events: ProfileEvent[];
  envelopes: Envelope[];
  state: ProfileState;
  /** `<profileId>:<sequence>` of the last event, for read-your-writes; null when nothing was recorded. */
  position: string | null;
}

/**
 * Loads a profile's decision state, decides, and appends the events with the outbox and the
 * new state in ONE transaction. The state row is a snapshot of the stream at `version`; a
 * concurrent writer of the same profile makes one of the two hit the (stream, sequence) key
 * and retry with fresh state.
 */
@Injectable()
export class ProfileStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async load(manager: EntityManager, workspaceId: string, profileId: string): Promise<{ state: ProfileState; version: number }> {
    const rows: { version: number; state: ProfileState }[] = await manager.query(
      'SELECT version, state FROM auth.profiles WHERE workspace_id = $1 AND profile_id = $2',
      [workspaceId, profileId],
    );
    const row = rows[0];
    return row ? { state: row.state, version: row.version } : { state: initialProfileState(profileId), version: 0 };
  }

  /** For reads outside any transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The profile holding an email in a workspace (by its canonical form), if any; an address with none matches nothing. */
  async profileIdByEmail(workspaceId: string, email: string, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    const canonical = canonicalEmailOrNull(email);
    if (canonical === null) return null;
    const rows: { profile_id: string }[] = await manager.query(
      'SELECT profile_id FROM auth.emails WHERE workspace_id = $1 AND email_lower = $2',
      [workspaceId, canonical],
    );
    return rows[0]?.profile_id ?? null;
  }

  /** Outside a transaction: a read of the write model (read-your-writes for the account API). */
  read(workspaceId: string, profileId: string): Promise<{ state: ProfileState; version: number }> {
    return this.load(this.dataSource.manager, workspaceId, profileId);
  }

  /** Decides and records inside the caller's transaction. `after` runs only when the decision succeeded. */
  async executeIn(
    manager: EntityManager,
    context: CommandContext,
    profileId: string,
    decide: (state: ProfileState) => Decision,
    after?: (manager: EntityManager, state: ProfileState, events: ProfileEvent[]) => Promise<void>,
  ): Promise<Outcome> {
    const { state, version } = await this.load(manager, context.workspaceId, profileId);
    const decision = decide(state);
    if (decision.events.length === 0) {
      if (!decision.error && after) await after(manager, state, []);
      return { error: decision.error, events: [], envelopes: [], state, position: null };
    }
    const envelopes = await EventStore.append(
      manager,
      { streamId: profileId, aggregateId: profileId },
      version,
      decision.events.map((e) => ({ type: e.type, data: e.data, publicData: toPublicData(e) })),
      { workspaceId: context.workspaceId, correlationId: context.correlationId, now: context.now },
    );
    const occurredAt = context.now.toISOString();
    const next = decision.events.reduce((s, e) => evolve(s, e, occurredAt), state);
    const newVersion = version + decision.events.length;
    const saved: unknown[] = await manager.query(
      `INSERT INTO auth.profiles (workspace_id, profile_id, version, state) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (workspace_id, profile_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state
       WHERE auth.profiles.version = $5 RETURNING 1`,
      [context.workspaceId, profileId, newVersion, JSON.stringify(next), version],
    );
    if (saved.length === 0) throw new ConcurrencyConflict(profileId);
    if (!decision.error && after) await after(manager, next, decision.events);
    return { error: decision.error, events: decision.events, envelopes, state: next, position: formatPosition(profileId, newVersion) };
  }

  /** One command in its own transaction, retried on a concurrent write. */
  execute(
    context: CommandContext,
    profileId: string,
    decide: (state: ProfileState) => Decision,
    after?: (manager: EntityManager, state: ProfileState, events: ProfileEvent[]) => Promise<void>,
  ): Promise<Outcome> {
    return this.transaction((manager) => this.executeIn(manager, context, profileId, decide, after)).then((result) =>
      result instanceof Refused
        ? { error: result.error, events: [], envelopes: [], state: initialProfileState(profileId), position: null }
        : result,
    );
  }

  /**
   * A transaction retried (up to 5 times) when it lost a race on a stream or a unique key.
   * Work that throws `Refused` rolls back and resolves with that refusal.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T | Refused> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        if (error instanceof Refused) return error;
        if (!(error instanceof ConcurrencyConflict) || attempt >= 5) throw error;
      }
    }
  }
}
