import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type ConfirmPasswordResetCommand, type Reply } from '@idstream/contracts';
import { hashPassword } from '../../metrics/password-hashing';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { OneTimeTokens } from '../../one-time-tokens/one-time-tokens';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { passwordPolicyError } from '../password-policy-error';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { Refused } from '../refused';
import { sessionClock } from '../session-clock';

/** POST /v1/auth/password-reset/confirm: the new password (policy first, so a refused one does not burn the token) closes every session. */
@Injectable()
export class ConfirmPasswordResetHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: ConfirmPasswordResetCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const owner = await OneTimeTokens.peek(this.profiles.manager, cmd.token, ['password-reset'], now);
    if (!owner) return { ok: false, error: ProfileErrors.tokenInvalid() };
    const workspace = await this.workspaces.byId(owner.workspaceId);
    const policyError = passwordPolicyError(cmd.password, workspace!.settings.passwordPolicy, 'password');
    if (policyError) return { ok: false, error: policyError };
    const newPasswordHash = await hashPassword(cmd.password);
    const outcome = await this.profiles.transaction(async (manager) => {
      const used = await OneTimeTokens.use(manager, cmd.token, ['password-reset'], now);
      if (!used) throw new Refused(ProfileErrors.tokenInvalid());
      const context = { workspaceId: used.workspaceId, correlationId: cmd.meta.requestId, now };
      const clock = sessionClock(now, this.config);
      const result = await this.profiles.executeIn(manager, context, used.profileId, {
        type: 'CompletePasswordReset',
        newPasswordHash,
        clock,
      });
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
