import { Inject, Injectable } from '@nestjs/common';
import { ok, type AccountView, type ChangePasswordCommand, type GetAccountQuery, type Reply,
  type ClosedSessionsResult, type UpdateAccountCommand } from '@idstream/contracts';
import { hashPassword, verifyPassword } from '@idstream/crypto';
import { passwordPolicyError } from '../accounts/password-errors';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { changePassword, updateAccount } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { claimCustomId, releaseCustomIds } from '../profile/custom-ids';
import { closedSessionsOf, ProfileStore } from '../profile/profile.store';
import { toAccountView } from './account.view';
import { sessionClock } from '../sessions/session.handler';
import { WorkspaceStore } from '../workspace/workspace.store';

/** GET/PATCH /v1/account and POST /v1/account/password, answered from auth's own write model (read-your-writes). */
@Injectable()
export class AccountHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async get(query: GetAccountQuery): Promise<Reply<AccountView>> {
    const { state } = await this.profiles.read(query.caller.workspaceId, query.caller.subject);
    if (state.kind !== 'account') return { ok: false, error: ProfileErrors.noAccount() };
    return ok(toAccountView(state));
  }

  async update(cmd: UpdateAccountCommand, now = new Date()): Promise<Reply<AccountView>> {
    const { workspaceId, subject } = cmd.caller;
    const outcome = await this.profiles.execute(
      { workspaceId, correlationId: cmd.meta.requestId, now },
      subject,
      (state) => updateAccount(state, { changes: cmd.changes, agreements: cmd.agreements, attributes: cmd.attributes }),
      async (manager, state) => {
        if (cmd.changes.customId !== undefined) await claimCustomId(manager, workspaceId, cmd.changes.customId, subject);
        await releaseCustomIds(manager, workspaceId, subject, state.customId);
      },
    );
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok(toAccountView(outcome.state));
  }

  /** Checks the current password, enforces the policy, closes every other session of the profile. */
  async changePassword(cmd: ChangePasswordCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const { workspaceId, subject, sessionId } = cmd.caller;
    const workspace = await this.workspaces.byId(workspaceId);
    const { state } = await this.profiles.read(workspaceId, subject);
    const current = await verifyPassword(cmd.currentPassword, state.passwordHash);
    if (!current.valid) return { ok: false, error: ProfileErrors.invalidCredentials(403) };
    const policyError = passwordPolicyError(cmd.newPassword, workspace!.settings.passwordPolicy, 'newPassword');
    if (policyError) return { ok: false, error: policyError };
    const newPasswordHash = await hashPassword(cmd.newPassword);
    const outcome = await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, subject, (s) =>
      // The hash may have changed since it was checked: decide on the state in the transaction.
      changePassword(s, { currentPasswordValid: s.passwordHash === state.passwordHash, newPasswordHash, keepSessionId: sessionId }, sessionClock(now, this.config)),
    );
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
