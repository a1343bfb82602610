import type { IdentityEvent } from '@idstream/contracts';
import { evolve, isNewer, keysOf } from './profile.evolve';
import { ProfileStore, type Sql } from './profile.store';

/** What applying one event did: `stale` means its sequence was not newer than the stream's. */
export type ApplyOutcome = { kind: 'applied'; rows: number } | { kind: 'stale'; appliedSequence: number };

/**
 * The profile read model's shell: for one event, inside the consumer's transaction, lock
 * the devices it touches, read its stream's applied sequence and its rows, skip it unless
 * its sequence is newer, let the pure `evolve` decide, then write the rows and the new
 * sequence. Three round trips at most (lock, read, write).
 *
 * Every known identity event goes through here, also those the model ignores: their
 * position is what a read-your-writes query may be waiting for.
 */
export class ProfileProjection {
  readonly store: ProfileStore;

  constructor(schema: string) {
    this.store = new ProfileStore(schema);
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
}
