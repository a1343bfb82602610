import { Inject, Injectable } from '@nestjs/common';
import { ok, type ChangePasswordCommand, type ClosedSessionsResult, type Reply } from '@idstream/contracts';
import { hashPassword, verifyPassword } from '../../metrics/password-hashing';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { passwordPolicyError } from '../password-policy-error';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors, replyErrorOf } from '../profile.errors';
import { isAccount, sessionsOf } from '../profile.state';
import { sessionClock } from '../session-clock';

/** POST /v1/account/password: checks the current password, enforces the policy, closes every other session of the profile. */
@Injectable()
export class ChangePasswordHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: ChangePasswordCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const { workspaceId, subject, sessionId } = cmd.caller;
    const workspace = await this.workspaces.byId(workspaceId);
    const { state } = await this.profiles.read(workspaceId, subject);
    if (!sessionsOf(state)[sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    // Signed in through an identity provider only: there is no current password to check.
    if (isAccount(state) && state.passwordHash === null) return { ok: false, error: replyErrorOf('PASSWORD_NOT_SET') };
    // Guesses of the current password with a stolen token are limited like sign-in failures.
    const limit = {
      bucket: `password-change:${workspaceId}:${subject}`,
      max: this.config.signIn.maxFailures,
      windowSeconds: this.config.signIn.windowSeconds,
    };
    const attempt = await this.limiter.attempt([limit], now);
    if (!attempt.allowed) return { ok: false, error: ProfileErrors.tooManyAttempts(attempt.retryAfter) };
    const verifiedHash = isAccount(state) ? state.passwordHash : null;
    const current = await verifyPassword(cmd.currentPassword, verifiedHash);
    if (!current.valid) return { ok: false, error: replyErrorOf('CURRENT_PASSWORD_WRONG') };
    await attempt.release();
    const policyError = passwordPolicyError(cmd.newPassword, workspace!.settings.passwordPolicy, 'newPassword');
    if (policyError) return { ok: false, error: policyError };
    const outcome = await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, subject, {
      type: 'ChangePassword',
      // The hash may have changed since it was checked: the decision compares it in the transaction.
      verifiedHash,
      newPasswordHash: await hashPassword(cmd.newPassword),
      keepSessionId: sessionId,
      clock: sessionClock(now, this.config),
    });
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
