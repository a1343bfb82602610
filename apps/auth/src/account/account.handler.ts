import { Inject, Injectable } from '@nestjs/common';
import {
  ok,
  type AccountView,
  type ChangePasswordCommand,
  type GetAccountQuery,
  type Reply,
  type ClosedSessionsResult,
  type UpdateAccountCommand,
} from '@idstream/contracts';
import { hashPassword, verifyPassword } from '@idstream/crypto';
import { passwordPolicyError } from '../accounts/password-errors';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { changePassword, updateAccount } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { claimCustomId, releaseCustomIds } from '../profile/custom-ids';
import { closedSessionsOf, ProfileStore } from '../profile/profile.store';
import { toAccountView } from './account.view';
import { sessionClock } from '../sessions/session.handler';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { WorkspaceStore } from '../workspace/workspace.store';
import type { Decision } from '../profile/profile.decider';
import type { ProfileState } from '../profile/profile.state';

/** Auth's own check that the caller's session is open: a gateway that missed a revocation still cannot use it here. */
function withOpenSession(state: ProfileState, sessionId: string, decide: () => Decision): Decision {
  return state.kind === 'account' && !state.sessions[sessionId] ? { events: [], error: ProfileErrors.sessionClosed() } : decide();
}

/** GET/PATCH /v1/account and POST /v1/account/password, answered from auth's own write model (read-your-writes). */
@Injectable()
export class AccountHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: RateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async get(query: GetAccountQuery): Promise<Reply<AccountView>> {
    const { state } = await this.profiles.read(query.caller.workspaceId, query.caller.subject);
    if (state.kind !== 'account') return { ok: false, error: ProfileErrors.noAccount() };
    if (!state.sessions[query.caller.sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    return ok(toAccountView(state));
  }

  async update(cmd: UpdateAccountCommand, now = new Date()): Promise<Reply<AccountView>> {
    const { workspaceId, subject } = cmd.caller;
    const outcome = await this.profiles.execute(
      { workspaceId, correlationId: cmd.meta.requestId, now },
      subject,
      (state) =>
        withOpenSession(state, cmd.caller.sessionId, () =>
          updateAccount(state, { changes: cmd.changes, agreements: cmd.agreements, attributes: cmd.attributes }),
        ),
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
    if (!state.sessions[sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    // Guesses of the current password with a stolen token are limited like sign-in failures.
    const limit = {
      bucket: `password-change:${workspaceId}:${subject}`,
      max: this.config.signIn.maxFailures,
      windowSeconds: this.config.signIn.windowSeconds,
    };
    const attempt = await this.limiter.attempt([limit], now);
    if (!attempt.allowed) return { ok: false, error: ProfileErrors.tooManyAttempts(attempt.retryAfter) };
    const current = await verifyPassword(cmd.currentPassword, state.passwordHash);
    if (!current.valid) return { ok: false, error: ProfileErrors.invalidCredentials(403) };
    await attempt.release();
    const policyError = passwordPolicyError(cmd.newPassword, workspace!.settings.passwordPolicy, 'newPassword');
    if (policyError) return { ok: false, error: policyError };
    const newPasswordHash = await hashPassword(cmd.newPassword);
    const outcome = await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, subject, (s) =>
      // The hash may have changed since it was checked: decide on the state in the transaction.
      changePassword(
        s,
        { currentPasswordValid: s.passwordHash === state.passwordHash, newPasswordHash, keepSessionId: sessionId },
        sessionClock(now, this.config),
      ),
    );
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
