import { Injectable } from '@nestjs/common';
import { ok, type ConfirmEmailCommand, type Reply } from '@idstream/contracts';
import { OneTimeTokens } from '../../one-time-tokens/one-time-tokens';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { Refused } from '../refused';

/** POST /v1/accounts/confirm: uses the token (once) and records EmailConfirmed, activating a pending account. */
@Injectable()
export class ConfirmEmailHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(cmd: ConfirmEmailCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const outcome = await this.profiles.transaction(async (manager) => {
      const owner = await OneTimeTokens.use(manager, cmd.token, ['confirmation', 'activation'], now);
      if (!owner) throw new Refused(ProfileErrors.tokenInvalid());
      const context = { workspaceId: owner.workspaceId, correlationId: cmd.meta.requestId, now };
      const result = await this.profiles.executeIn(manager, context, owner.profileId, { type: 'ConfirmEmail' });
      if (result.error) throw new Refused(result.error);
      return result;
    });
    return outcome instanceof Refused ? { ok: false, error: outcome.error } : ok({});
  }
}
