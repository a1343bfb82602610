import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { formatPosition, type ClosedSession, type ReplyError } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { KeyedMutex } from '../concurrency/keyed-mutex';
import { ConcurrencyConflict, EventStore } from '../event-store/event-store';
import type { ProfileCommand } from './profile.commands';
import { decide } from './profile.decider';
import { ProfileErrors, replyErrorOf } from './profile.errors';
import type { ProfileEvent } from './profile.events';
import { toPublicData } from './profile.public';
import { coWritesOf, profileReactions, react, reacts } from './profile.reactions';
import { ProfileRepository, type LoadedProfile } from './profile.repository';
import { fold, initialProfileState, type ProfileState } from './profile.state';
import { Refused } from './refused';
import { DATA_SOURCE } from '@idstream/persistence';

export interface CommandContext {
  workspaceId: string;
  correlationId: string;
  now: Date;
}

export interface Outcome {
  /** The decider's refusal as the reply error to answer (its events, if any, are recorded). */
  error?: ReplyError;
  events: ProfileEvent[];
  state: ProfileState;
  /** `<profileId>:<sequence>` of the stream's last event, for read-your-writes (also when nothing was recorded). */
  position: string;
}

/** The sessions closed by recorded events, as the gateway's revocation list takes them. */
export function closedSessionsOf(events: ProfileEvent[]): ClosedSession[] {
  return events.flatMap((e) =>
    e.type === 'SessionClosed'
      ? [{ sessionId: e.data.sessionId, reason: e.data.reason, closedAt: e.data.closedAt, forgetAfter: e.data.forgetAfter }]
      : [],
  );
}

/**
 * Runs a command on a profile: load (snapshot + newer events), `decide`, append the events
 * with the outbox, run what follows each event (`profile.reactions.ts`) and cache the new
 * state, all in ONE transaction. Commands on one profile queue in this process (a keyed
 * mutex), so same-process writers never race; a writer in another replica makes one of the
 * two hit the (stream, sequence) key and retry with fresh state. Retries exhausted answer
 * CONCURRENT_WRITE (503, Retry-After), never a fault.
 */
@Injectable()
export class ProfileCommands {
  private readonly reactions;
  private readonly perProfile = new KeyedMutex();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUTH_CONFIG) config: AuthConfig,
  ) {
    this.reactions = profileReactions(config);
  }

  /** For reads outside any transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Outside a transaction: a read of the write model (read-your-writes for the account API). */
  read(workspaceId: string, profileId: string): Promise<LoadedProfile> {
    return ProfileRepository.load(this.dataSource.manager, workspaceId, profileId);
  }

  /** Decides and records inside the caller's transaction. */
  async executeIn(manager: EntityManager, context: CommandContext, profileId: string, command: ProfileCommand): Promise<Outcome> {
    const loaded = await ProfileRepository.load(manager, context.workspaceId, profileId);
    return this.record(manager, context, profileId, loaded, decide(command, loaded.state));
  }

  /**
   * One command after the commands on the same profile queued before it in this process,
   * retried on a concurrent write. The load needs no transaction (the (stream, sequence) key
   * decides a race, and a read inside one sees no more under READ COMMITTED). A command whose
   * events have nothing to follow (`reacts`: e.g. an account update that names no customId)
   * is recorded in ONE statement, events, outbox and snapshot, which commits alone; the others
   * take a transaction for their reactions. A `Refused` thrown by a reaction rolls it back.
   */
  async execute(context: CommandContext, profileId: string, command: ProfileCommand): Promise<Outcome> {
    const result = await this.perProfile.run(profileId, () =>
      this.retried(async () => {
        const loaded = await ProfileRepository.load(this.dataSource.manager, context.workspaceId, profileId);
        const decision = decide(command, loaded.state);
        // With its data key already read, the append is that one statement (else it may make the key: a transaction).
        if (loaded.dataKey && !reacts(this.reactions, decision.events))
          return this.record(this.dataSource.manager, context, profileId, loaded, decision);
        return this.dataSource.transaction((manager) => this.record(manager, context, profileId, loaded, decision));
      }),
    );
    if (!(result instanceof Refused)) return result;
    return { error: result.error, events: [], state: initialProfileState(profileId), position: formatPosition(profileId, 0) };
  }

  /**
   * Appends a decision's events with the outbox, the new snapshot and the device links they
   * make (one statement), then runs what else follows them.
   */
  private async record(
    manager: EntityManager,
    context: CommandContext,
    profileId: string,
    loaded: LoadedProfile,
    { events, refusal }: ReturnType<typeof decide>,
  ): Promise<Outcome> {
    const { workspaceId, now } = context;
    const { state, version } = loaded;
    const error = refusal ? replyErrorOf(refusal) : undefined;
    if (events.length === 0) {
      if (!loaded.snapshotCurrent) await ProfileRepository.saveSnapshot(manager, workspaceId, profileId, version, state);
      return { error, events, state, position: formatPosition(profileId, version) };
    }
    const occurredAt = now.toISOString();
    const next = fold(
      state,
      events.map((event) => ({ event, occurredAt })),
    );
    const newVersion = version + events.length;
    await EventStore.append(
      manager,
      { streamId: profileId, aggregateId: profileId },
      version,
      events.map((e) => ({ type: e.type, data: e.data, publicData: toPublicData(e) })),
      { workspaceId, correlationId: context.correlationId, now, ...(loaded.dataKey ? { dataKey: loaded.dataKey } : {}) },
      { alsoWrite: [ProfileRepository.snapshotWrite(workspaceId, profileId, newVersion, next), ...coWritesOf(events, workspaceId)] },
    );
    await react(this.reactions, events, { manager, workspaceId, now, before: state, after: next });
    return { error, events, state: next, position: formatPosition(profileId, newVersion) };
  }

  /**
   * A transaction retried (up to 5 times) when it lost a race on a stream or a unique key.
   * Work that throws `Refused` rolls back and resolves with that refusal; a race lost five
   * times resolves with CONCURRENT_WRITE (the caller may retry), not a fault.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T | Refused> {
    return this.retried(() => this.dataSource.transaction(work));
  }

  /** `work` again (up to 5 times) when it lost a race; a `Refused` it throws resolves as it. */
  private async retried<T>(work: () => Promise<T>): Promise<T | Refused> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (error instanceof Refused) return error;
        if (!(error instanceof ConcurrencyConflict)) throw error;
        if (attempt >= 5) return new Refused(ProfileErrors.concurrentWrite());
      }
    }
  }
}
