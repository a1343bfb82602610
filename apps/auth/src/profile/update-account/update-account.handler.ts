import { Injectable } from '@nestjs/common';
import { fail, ok, type AccountView, type Reply, type UpdateAccountCommand } from '@idstream/contracts';
import { toAccountView } from '../get-account/account.view';
import { ProfileCommands } from '../profile.commands.runner';
import { isAccount } from '../profile.state';

/** PATCH /v1/account: records the changed fields (AccountUpdated; a new customId is claimed as it follows). */
@Injectable()
export class UpdateAccountHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(cmd: UpdateAccountCommand, now = new Date()): Promise<Reply<AccountView>> {
    const { workspaceId, subject, sessionId } = cmd.caller;
    const outcome = await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, subject, {
      type: 'UpdateAccount',
      sessionId,
      changes: cmd.changes,
      agreements: cmd.agreements,
      attributes: cmd.attributes,
    });
    if (outcome.error) return { ok: false, error: outcome.error };
    return isAccount(outcome.state) ? ok(toAccountView(outcome.state)) : fail('INTERNAL', 'The update left no account');
  }
}
