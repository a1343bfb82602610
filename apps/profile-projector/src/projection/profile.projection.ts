import type { IdentityEvent } from '@idstream/contracts';
import { ProfileBatchStore, rowKey, type BatchRows, type StreamPosition } from './profile.batch-store';
import { evolve, isNewer, keysOf, type Keys, type Slice } from './profile.evolve';
import type { Change, DeviceLinkRow, MergeRow, ProfileRow } from './profile.rows';
import { ProfileStore, type Sql } from './profile.store';

/** What applying one event did: `stale` means its sequence was not newer than the stream's. */
export type ApplyOutcome = { kind: 'applied'; rows: number } | { kind: 'stale'; appliedSequence: number };

/**
 * The profile read model's shell. For a Kafka batch (`applyBatch`), inside the consumer's
 * transaction: lock every device the batch touches, read every stream position and row its
 * events need in one statement, fold the events in order in memory (the pure `evolve`, each
 * event seeing the rows the earlier ones changed; an event whose sequence is not newer than
 * its stream's is skipped), then write the last state of every changed row and every stream's
 * new position in one statement. Three round trips per batch, whatever its size. `apply` does
 * the same for one event (the consumer's per-event retry after a failed batch).
 *
 * Every known identity event goes through here, also those the model ignores: their
 * position is what a read-your-writes query may be waiting for.
 */
export class ProfileProjection {
  readonly store: ProfileStore;
  readonly batchStore: ProfileBatchStore;

  constructor(schema: string) {
    this.store = new ProfileStore(schema);
    this.batchStore = new ProfileBatchStore(schema);
  }

  async apply(sql: Sql, event: IdentityEvent): Promise<ApplyOutcome> {
    const keys = keysOf(event);
    await this.store.lock(sql, event.workspaceId, keys.devices);
    const { applied, slice } = await this.store.read(sql, event.workspaceId, event.aggregateId, keys);
    if (!isNewer(applied, event)) return { kind: 'stale', appliedSequence: applied! };
    const changes = evolve(slice, event);
    await this.store.commit(sql, event, changes);
    return { kind: 'applied', rows: changes.length };
  }

  /** Applies the events of one batch, in their order, with one read and one write; answers how many were not stale. */
  async applyBatch(sql: Sql, events: readonly IdentityEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const batch = events.map((event) => ({ event, workspaceId: event.workspaceId, aggregateId: event.aggregateId, keys: keysOf(event) }));
    await this.batchStore.lock(
      sql,
      batch.flatMap(({ workspaceId, keys }) => keys.devices.map((uuid) => ({ workspaceId, uuid }))),
    );
    const state = await this.batchStore.read(sql, batch);
    const changes: Change[] = [];
    const positions = new Map<string, StreamPosition>();
    let applied = 0;
    for (const { event, keys } of batch) {
      const stream = rowKey(event.workspaceId, event.aggregateId);
      if (!isNewer(state.positions.get(stream), event)) continue;
      const eventChanges = evolve(sliceOf(state, event.workspaceId, keys), event);
      for (const change of eventChanges) remember(state, change);
      changes.push(...eventChanges);
      state.positions.set(stream, event.sequence);
      positions.set(stream, {
        workspaceId: event.workspaceId,
        aggregateId: event.aggregateId,
        sequence: event.sequence,
        eventId: event.id,
      });
      applied++;
    }
    await this.batchStore.write(sql, changes, [...positions.values()]);
    return applied;
  }
}

/**
 * The rows `keys` name in workspace `w`, as the per-event read would load them: profiles and
 * devices by id, merges by device, and every device linked and every merge into a profile of
 * `ownedBy` (the batch read loaded those of the database; the ones earlier events changed are
 * in `state` already).
 */
function sliceOf(state: BatchRows, w: string, keys: Keys): Slice {
  const profiles = new Map<string, ProfileRow>();
  const devices = new Map<string, DeviceLinkRow>();
  const merges = new Map<string, MergeRow>();
  for (const id of keys.profiles) {
    const row = state.profiles.get(rowKey(w, id));
    if (row) profiles.set(id, row);
  }
  for (const uuid of keys.devices) {
    const device = state.devices.get(rowKey(w, uuid));
    if (device) devices.set(uuid, device);
    const merge = state.merges.get(rowKey(w, uuid));
    if (merge) merges.set(uuid, merge);
  }
  if (keys.ownedBy.length > 0) {
    const owners = new Set(keys.ownedBy);
    for (const device of state.devices.values())
      if (device.workspaceId === w && owners.has(device.profileId)) devices.set(device.uuid, device);
    for (const merge of state.merges.values())
      if (merge.workspaceId === w && owners.has(merge.intoProfileId)) merges.set(merge.mergedProfileId, merge);
  }
  return { profiles, devices, merges };
}

function remember(state: BatchRows, change: Change): void {
  if (change.table === 'profiles') state.profiles.set(rowKey(change.row.workspaceId, change.row.profileId), change.row);
  else if (change.table === 'device_links') state.devices.set(rowKey(change.row.workspaceId, change.row.uuid), change.row);
  else state.merges.set(rowKey(change.row.workspaceId, change.row.mergedProfileId), change.row);
}
