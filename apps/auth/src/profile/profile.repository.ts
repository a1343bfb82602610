import type { EntityManager } from 'typeorm';
import { EventStore, type CoWrite, type StoredEvent } from '../event-store/event-store';
import { streamKeys } from '../event-store/sealed-events';

interface SnapshotRow {
  version: number;
  snapshot_version: number;
  state: unknown;
  head: number | null;
  master_key_id: string | null;
  wrapped_key: string | null;
}
import type { ProfileEvent, RecordedProfileEvent } from './profile.events';
import { fold, initialProfileState, PROFILE_SNAPSHOT_VERSION, type ProfileState, type RecordedAt } from './profile.state';

export interface LoadedProfile {
  state: ProfileState;
  /** The sequence of the stream's last event (0: no event yet). */
  version: number;
  /** False when the snapshot row is missing, stale, of an older shape or unreadable: saving it is worth it. */
  snapshotCurrent: boolean;
  /** The profile's data key, read with the snapshot (undefined: not read, none yet, or erased; the append reads or makes it then). */
  dataKey?: Buffer;
}

/** A stored row as the fold takes it: a redacted row (`{ profileId, redacted: true }`) becomes `Redacted`. */
export function recordedOf(row: StoredEvent): RecordedAt {
  const data = row.data as { profileId?: unknown; redacted?: unknown } | null;
  const event: RecordedProfileEvent =
    data?.redacted === true
      ? {
          type: 'Redacted',
          data: { profileId: typeof data.profileId === 'string' ? data.profileId : row.streamId, redactedType: row.type },
        }
      : ({ type: row.type, data: row.data } as ProfileEvent);
  return { event, occurredAt: row.occurredAt.toISOString() };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a stored snapshot has the fields its kind needs (a row edited or written by a bug is refolded instead). */
function readableSnapshot(state: unknown, profileId: string): state is ProfileState {
  if (!isObject(state) || state.profileId !== profileId) return false;
  const data = () => isObject(state.profile) && isObject(state.agreements) && isObject(state.attributes) && Array.isArray(state.devices);
  const account = () =>
    data() &&
    typeof state.email === 'string' &&
    (typeof state.passwordHash === 'string' || state.passwordHash === null) &&
    Array.isArray(state.externalIdentities);
  switch (state.kind) {
    case 'none':
    case 'erased':
      return true;
    case 'imported':
      return data();
    case 'pending-activation':
      return account();
    case 'active':
      return account() && isObject(state.sessions);
    default:
      return false;
  }
}

/**
 * A profile's state is the fold of its stream; `auth.profiles` caches it at a version. Loading
 * reads the snapshot and folds the events after it, or folds the whole stream when the snapshot
 * is missing, of an older shape (`PROFILE_SNAPSHOT_VERSION`) or unreadable. Deleting every row
 * of `auth.profiles` loses nothing.
 */
export const ProfileRepository = {
  async load(manager: EntityManager, workspaceId: string, profileId: string): Promise<LoadedProfile> {
    // The stream's head and the data key come with the snapshot, so the normal case (nothing
    // newer) is one round trip, and so is the command's append after it.
    const rows: SnapshotRow[] = await manager.query(
      `SELECT p.version, p.snapshot_version, p.state, (SELECT max(sequence) FROM auth.events WHERE stream_id = $2) AS head,
              k.master_key_id, k.wrapped_key
         FROM auth.profiles p LEFT JOIN auth.data_keys k ON k.profile_id = $2
        WHERE p.workspace_id = $1 AND p.profile_id = $2`,
      [workspaceId, profileId],
    );
    const row = rows[0];
    if (row && row.snapshot_version === PROFILE_SNAPSHOT_VERSION && readableSnapshot(row.state, profileId)) {
      if ((row.head ?? 0) <= row.version) {
        const dataKey = row.wrapped_key ? (streamKeys()?.open(profileId, row.master_key_id, row.wrapped_key) ?? undefined) : undefined;
        return { state: row.state, version: row.version, snapshotCurrent: row.head === row.version, ...(dataKey ? { dataKey } : {}) };
      }
      const after = await EventStore.load(manager, profileId, row.version);
      try {
        const state = fold(row.state, after.map(recordedOf));
        return { state, version: after.at(-1)?.sequence ?? row.version, snapshotCurrent: after.length === 0 };
      } catch {
        // A snapshot that looked readable but does not fold: the stream decides.
      }
    }
    return this.loadFromStream(manager, workspaceId, profileId);
  },

  /** The fold of the whole stream, ignoring any snapshot (the verifier's and a cold load's path). */
  async loadFromStream(manager: EntityManager, workspaceId: string, profileId: string): Promise<LoadedProfile> {
    const events = await EventStore.load(manager, profileId);
    // A stream of another workspace is no profile of this one (ids come from callers too).
    if (events.some((e) => e.workspaceId !== workspaceId))
      return { state: initialProfileState(profileId), version: 0, snapshotCurrent: true };
    const state = fold(initialProfileState(profileId), events.map(recordedOf));
    return { state, version: events.at(-1)?.sequence ?? 0, snapshotCurrent: events.length === 0 };
  },

  /** Caches `state` at `version` (a cold cache warmed by a command that recorded nothing). */
  async saveSnapshot(manager: EntityManager, workspaceId: string, profileId: string, version: number, state: ProfileState): Promise<void> {
    const params: unknown[] = [];
    await manager.query(this.snapshotWrite(workspaceId, profileId, version, state)(params), params);
  },

  /** Caches `state` at `version` in the statement that appends the events up to it (EventStore's co-write). */
  snapshotWrite(workspaceId: string, profileId: string, version: number, state: ProfileState): CoWrite {
    return (params) => {
      const n = params.push(workspaceId, profileId, version, PROFILE_SNAPSHOT_VERSION, JSON.stringify(state));
      return `INSERT INTO auth.profiles (workspace_id, profile_id, version, snapshot_version, state)
                VALUES ($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)
              ON CONFLICT (workspace_id, profile_id) DO UPDATE
                SET version = EXCLUDED.version, snapshot_version = EXCLUDED.snapshot_version, state = EXCLUDED.state
              WHERE auth.profiles.version <= EXCLUDED.version`;
    };
  },
};
