import { Injectable } from '@nestjs/common';
import { ok, type ConfirmEmailChangeCommand, type Reply } from '@idstream/contracts';
import { OneTimeTokens } from '../../one-time-tokens/one-time-tokens';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { Refused } from '../refused';

/**
 * POST /v1/account/email-change/confirm (confirmEmailChange): uses the token (once) and records
 * EmailChanged; the email index moves in the same transaction, so an address taken meanwhile
 * refuses with 409 EMAIL_TAKEN and rolls everything back (the token too).
 */
@Injectable()
export class ConfirmEmailChangeHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(cmd: ConfirmEmailChangeCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const outcome = await this.profiles.transaction(async (manager) => {
      const owner = await OneTimeTokens.use(manager, cmd.token, ['email-change'], now);
      if (!owner) throw new Refused(ProfileErrors.tokenInvalid());
      const context = { workspaceId: owner.workspaceId, correlationId: cmd.meta.requestId, now };
      const result = await this.profiles.executeIn(manager, context, owner.profileId, {
        type: 'ConfirmEmailChange',
        now: now.toISOString(),
        ...(cmd.newsletterAgreement === undefined ? {} : { newsletterAgreement: cmd.newsletterAgreement }),
      });
      if (result.error) throw new Refused(result.error);
      return result;
    });
    return outcome instanceof Refused ? { ok: false, error: outcome.error } : ok({});
  }
}
