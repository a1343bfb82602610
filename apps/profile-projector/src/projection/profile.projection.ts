import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { IdentityEvent } from '@idstream/contracts';

/** The profile read model. Its tables and handlers arrive with the projector issue. */
@Injectable()
export class ProfileProjection {
  handles(_event: IdentityEvent): boolean {
    return false;
  }

  async apply(_manager: EntityManager, _event: IdentityEvent): Promise<void> {}
}
