import type { IdentityEvent } from '@idstream/contracts';
import { evolve, isNewer, keysOf } from './profile.evolve';
import { ProfileStore, type Sql } from './profile.store';

/** What applying one event did: `stale` means its sequence was not newer than the stream's. */
export type ApplyOutcome = { kind: 'applied'; rows: number } | { kind: 'stale'; appliedSequence: number };

/**
 * The profile read model's shell: for one event, inside the consumer's transaction, lock
 * the keys it touches, skip it unless its sequence is newer than the one applied for its
 * aggregate, load its rows, let the pure `evolve` decide, write, and advance the stream.
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
    const { workspaceId, aggregateId } = event;
    const keys = keysOf(event);
    await this.store.lock(sql, workspaceId, [aggregateId, ...keys.profiles, ...keys.devices, ...keys.ownedBy]);
    const applied = await this.store.appliedSequence(sql, workspaceId, aggregateId);
    if (!isNewer(applied, event)) return { kind: 'stale', appliedSequence: applied! };
    const changes = evolve(await this.store.load(sql, workspaceId, keys), event);
    await this.store.write(sql, changes);
    await this.store.advance(sql, workspaceId, aggregateId, event.sequence, event.id);
    return { kind: 'applied', rows: changes.length };
  }
}
