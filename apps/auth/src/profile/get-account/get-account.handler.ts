import { Injectable } from '@nestjs/common';
import { ok, type AccountView, type GetAccountQuery, type Reply } from '@idstream/contracts';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { isAccount, sessionsOf } from '../profile.state';
import { toAccountView } from './account.view';

/** GET /v1/account, answered from auth's own write model (read-your-writes), for an open session only. */
@Injectable()
export class GetAccountHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(query: GetAccountQuery): Promise<Reply<AccountView>> {
    const { state } = await this.profiles.read(query.caller.workspaceId, query.caller.subject);
    if (!isAccount(state)) return { ok: false, error: ProfileErrors.noAccount() };
    if (!sessionsOf(state)[query.caller.sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    return ok(toAccountView(state));
  }
}
