import { Inject, Injectable } from '@nestjs/common';
import { ok, fail, type Reply, type ResendConfirmationCommand } from '@idstream/contracts';
import { AfterAnswer } from '../../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex, emailKey } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/accounts/confirm/resend: a new confirmation mail when the email has an unconfirmed
 * account (the mail follows EmailConfirmationRequested). The answer is the same, in content and
 * time, whether or not it has one (no account enumeration): after the rate limit, the lookup
 * and the mail happen after the answer.
 */
@Injectable()
export class ResendConfirmationHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('Confirmation');

  async handle(cmd: ResendConfirmationCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    // The canonical form keys the rate limit and the lookup; an address without one matches no account.
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'mail',
      { workspaceId, email: emailKey(cmd.email) ?? cmd.email, ip: cmd.meta.ip },
      { max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', 'Too many mails requested: try again later', { retryAfter: attempt.retryAfter });
    const mode = workspace.settings.registrationMode;
    const expiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000).toISOString();
    this.afterAnswer.runLater('confirmation mail', cmd.meta.requestId, async () => {
      const profileId = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, cmd.email);
      if (!profileId) return;
      await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, profileId, {
        type: 'RequestConfirmation',
        mode,
        expiresAt,
      });
    });
    return ok({});
  }
}
