import { Inject, Injectable } from '@nestjs/common';
import {
  canonicalEmailOrNull,
  fail,
  ok,
  type ConfirmPasswordResetCommand,
  type Reply,
  type ClosedSessionsResult,
  type RequestPasswordResetCommand,
} from '@idstream/contracts';
import { hashPassword } from '@idstream/crypto';
import { passwordPolicyError } from '../accounts/password-errors';
import { AfterAnswer } from '../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { enqueueMail, fillLink, MailTemplates } from '../mail/mail.outbox';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { completePasswordReset, requestPasswordReset } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { closedSessionsOf, ProfileStore, Refused } from '../profile/profile.store';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { sessionClock } from '../sessions/session.handler';
import { WorkspaceStore } from '../workspace/workspace.store';

/** POST /v1/auth/password-reset and /confirm. */
@Injectable()
export class PasswordResetHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: RateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('PasswordReset');

  /**
   * Answers the same whatever the email (202, same body, same time): after the rate limit, the
   * lookup and the mail happen after the answer, so its timing tells nothing about the account.
   * A reset mail with a single-use token (RESET_TOKEN_TTL_SECONDS) goes out only when the email
   * has an account. (A crash right after answering loses that one request; the user asks again.)
   */
  async request(cmd: RequestPasswordResetCommand, workspaceId: string, now = new Date()): Promise<Reply<Record<string, never>>> {
    // The canonical form keys the rate limit and the lookup; an address without one matches no account.
    const emailKey = canonicalEmailOrNull(cmd.email) ?? cmd.email;
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'reset',
      { workspaceId, email: emailKey, ip: cmd.meta.ip },
      { max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', 'Too many resets requested: try again later', { retryAfter: attempt.retryAfter });
    this.afterAnswer.runLater('password reset mail', cmd.meta.requestId, () => this.mailReset(cmd, workspaceId, emailKey, now));
    return ok({});
  }

  private async mailReset(cmd: RequestPasswordResetCommand, workspaceId: string, emailKey: string, now: Date): Promise<void> {
    const profileId = await this.profiles.profileIdByEmail(workspaceId, emailKey);
    if (!profileId) return;
    const expiresAt = new Date(now.getTime() + this.config.resetTokenTtlSeconds * 1000);
    await this.profiles.execute(
      { workspaceId, correlationId: cmd.meta.requestId, now },
      profileId,
      (state) => requestPasswordReset(state, { expiresAt: expiresAt.toISOString() }),
      async (manager, state, events) => {
        if (events.length === 0 || !state.email) return;
        await OneTimeTokens.revokeAll(manager, workspaceId, profileId, ['password-reset'], now);
        const token = await OneTimeTokens.issue(manager, { workspaceId, profileId, purpose: 'password-reset', expiresAt });
        await enqueueMail(manager, {
          workspaceId,
          to: state.email,
          ...MailTemplates.passwordReset(fillLink(this.config.mail.resetUrl, token), token, expiresAt),
        });
      },
    );
  }

  /** Sets the new password (policy first, so a refused password does not burn the token) and closes every session. */
  async confirm(cmd: ConfirmPasswordResetCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const owner = await OneTimeTokens.peek(this.profiles.manager, cmd.token, ['password-reset'], now);
    if (!owner) return { ok: false, error: ProfileErrors.tokenInvalid() };
    const workspace = await this.workspaces.byId(owner.workspaceId);
    const policyError = passwordPolicyError(cmd.password, workspace!.settings.passwordPolicy, 'password');
    if (policyError) return { ok: false, error: policyError };
    const newPasswordHash = await hashPassword(cmd.password);
    const outcome = await this.profiles.transaction(async (manager) => {
      const used = await OneTimeTokens.use(manager, cmd.token, ['password-reset'], now);
      if (!used) throw new Refused(ProfileErrors.tokenInvalid());
      const result = await this.profiles.executeIn(
        manager,
        { workspaceId: used.workspaceId, correlationId: cmd.meta.requestId, now },
        used.profileId,
        (state) => completePasswordReset(state, { newPasswordHash }, sessionClock(now, this.config)),
      );
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
