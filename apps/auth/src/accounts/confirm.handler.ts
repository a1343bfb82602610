import { Inject, Injectable } from '@nestjs/common';
import {
  canonicalEmailOrNull,
  ok,
  fail,
  type ConfirmEmailCommand,
  type Reply,
  type ResendConfirmationCommand,
  type RegistrationMode,
} from '@idstream/contracts';
import { AfterAnswer } from '../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { enqueueMail, fillLink, MailTemplates } from '../mail/mail.outbox';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { confirmEmail, requestConfirmation } from '../profile/profile.decider';
import { ProfileStore, Refused } from '../profile/profile.store';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { WorkspaceStore } from '../workspace/workspace.store';

/** POST /v1/accounts/confirm and /confirm/resend. */
@Injectable()
export class ConfirmHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: RateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('Confirmation');

  /** Uses the token (once) and records EmailConfirmed, activating a pending account. */
  async confirm(cmd: ConfirmEmailCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const outcome = await this.profiles.transaction(async (manager) => {
      const owner = await OneTimeTokens.use(manager, cmd.token, ['confirmation', 'activation'], now);
      if (!owner) throw new Refused({ code: 'TOKEN_INVALID', message: 'The token is unknown, used or expired' });
      const result = await this.profiles.executeIn(
        manager,
        { workspaceId: owner.workspaceId, correlationId: cmd.meta.requestId, now },
        owner.profileId,
        confirmEmail,
      );
      if (result.error) throw new Refused(result.error);
      return result;
    });
    return outcome instanceof Refused ? { ok: false, error: outcome.error } : ok({});
  }

  /**
   * Sends a new confirmation mail when the email has an unconfirmed account. The answer is the
   * same, in content and time, whether or not it has one (no account enumeration): after the
   * rate limit, the lookup and the mail happen after the answer.
   */
  async resend(cmd: ResendConfirmationCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    // The canonical form keys the rate limit and the lookup; an address without one matches no account.
    const emailKey = canonicalEmailOrNull(cmd.email) ?? cmd.email;
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'mail',
      { workspaceId, email: emailKey, ip: cmd.meta.ip },
      { max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', 'Too many mails requested: try again later', { retryAfter: attempt.retryAfter });
    const mode = workspace.settings.registrationMode;
    this.afterAnswer.runLater('confirmation mail', cmd.meta.requestId, () => this.mailConfirmation(cmd, workspaceId, emailKey, mode, now));
    return ok({});
  }

  private async mailConfirmation(
    cmd: ResendConfirmationCommand,
    workspaceId: string,
    emailKey: string,
    mode: RegistrationMode,
    now: Date,
  ): Promise<void> {
    const profileId = await this.profiles.profileIdByEmail(workspaceId, emailKey);
    if (!profileId) return;
    const expiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000);
    await this.profiles.execute(
      { workspaceId, correlationId: cmd.meta.requestId, now },
      profileId,
      (state) => requestConfirmation(state, { mode, expiresAt: expiresAt.toISOString() }),
      async (manager, state, events) => {
        const requested = events.find((e) => e.type === 'EmailConfirmationRequested');
        if (requested?.type !== 'EmailConfirmationRequested' || !state.email) return;
        const purpose = requested.data.purpose;
        await OneTimeTokens.revokeAll(manager, workspaceId, profileId, [purpose], now);
        const token = await OneTimeTokens.issue(manager, { workspaceId, profileId, purpose, expiresAt });
        await enqueueMail(manager, {
          workspaceId,
          to: state.email,
          ...MailTemplates.confirmation(purpose, fillLink(this.config.mail.confirmUrl, token), token, expiresAt),
        });
      },
    );
  }
}
