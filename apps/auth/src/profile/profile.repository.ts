import type { EntityManager } from 'typeorm';
import { EventStore, type StoredEvent } from '../event-store/event-store';
import type { ProfileEvent, RecordedProfileEvent } from './profile.events';
import { fold, initialProfileState, PROFILE_SNAPSHOT_VERSION, type ProfileState, type RecordedAt } from './profile.state';

export interface LoadedProfile {
  state: ProfileState;
  /** The sequence of the stream's last event (0: no event yet). */
  version: number;
  /** False when the snapshot row is missing, stale, of an older shape or unreadable: saving it is worth it. */
  snapshotCurrent: boolean;
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
    // The stream's head comes with the snapshot, so the normal case (nothing newer) is one round trip.
    const rows: { version: number; snapshot_version: number; state: unknown; head: number | null }[] = await manager.query(
      `SELECT version, snapshot_version, state, (SELECT max(sequence) FROM auth.events WHERE stream_id = $2) AS head
         FROM auth.profiles WHERE workspace_id = $1 AND profile_id = $2`,
      [workspaceId, profileId],
    );
    const row = rows[0];
    if (row && row.snapshot_version === PROFILE_SNAPSHOT_VERSION && readableSnapshot(row.state, profileId)) {
      if ((row.head ?? 0) <= row.version) return { state: row.state, version: row.version, snapshotCurrent: row.head === row.version };
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

  /** Caches `state` at `version`, in the transaction that appended the events up to it. */
  async saveSnapshot(manager: EntityManager, workspaceId: string, profileId: string, version: number, state: ProfileState): Promise<void> {
    await manager.query(
      `INSERT INTO auth.profiles (workspace_id, profile_id, version, snapshot_version, state) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (workspace_id, profile_id) DO UPDATE
         SET version = EXCLUDED.version, snapshot_version = EXCLUDED.snapshot_version, state = EXCLUDED.state
       WHERE auth.profiles.version <= EXCLUDED.version`,
      [workspaceId, profileId, version, PROFILE_SNAPSHOT_VERSION, JSON.stringify(state)],
    );
  },
};
