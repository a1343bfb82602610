import type { IdentityEvent } from '@idstream/contracts';
import type { Sql } from './own-events.partitions';
import type { OwnEventsStore } from './own-events.store';

/**
 * What identity.events does to the own-events store: `ProfileErased` removes the profile's rows.
 * Applied by the live projector's consumer in the same transaction as the profile projection,
 * after it (the erasure's merges are then known); never by a rebuild, whose replay would
 * otherwise delete rows a device gathered after an old erasure.
 */
export class OwnEventsErasure {
  constructor(private readonly store: OwnEventsStore) {}

  async apply(sql: Sql, event: IdentityEvent): Promise<void> {
    if (event.type !== 'ProfileErased') return;
    await this.store.eraseProfile(sql, event.workspaceId, event.data.profileId, event.data.erasedAt);
  }
}
