import type { IdentityEvent } from '@idstream/contracts';
import type { Sql } from '../projection/profile.store';
import type { OwnEventsStore } from './own-events.store';

/**
 * What identity.events does to the own-events store: `ProfileErased` removes the profile's
 * rows; `SessionClosed` records the session, whose tokens the query then refuses (the
 * projector's own check, like auth's for the account routes: a gateway that missed a
 * revocation still cannot read with a closed session). Applied by the live projector's
 * consumer in the same transaction as the profile projection, after it (the erasure's merges
 * are then known); never by a rebuild, whose replay would otherwise delete rows a device
 * gathered after an old erasure.
 */
export class OwnEventsIdentity {
  constructor(private readonly store: OwnEventsStore) {}

  async apply(sql: Sql, event: IdentityEvent): Promise<void> {
    if (event.type === 'ProfileErased') await this.store.eraseProfile(sql, event.workspaceId, event.data.profileId, event.data.erasedAt);
    else if (event.type === 'SessionClosed')
      await this.store.recordClosedSession(sql, event.workspaceId, event.data.sessionId, event.data.closedAt, event.data.forgetAfter);
  }
}
