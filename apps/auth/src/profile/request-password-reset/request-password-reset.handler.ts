import { Inject, Injectable } from '@nestjs/common';
import { fail, ok, type Reply, type RequestPasswordResetCommand } from '@idstream/contracts';
import { AfterAnswer } from '../../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex, emailKey } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/auth/password-reset. Answers the same whatever the email (202, same body, same
 * time): after the rate limit, the lookup and the mail happen after the answer, so its timing
 * tells nothing about the account. A reset mail with a single-use token (RESET_TOKEN_TTL_SECONDS)
 * follows PasswordResetRequested, which only an account gets. (A crash right after answering
 * loses that one request; the user asks again.)
 */
@Injectable()
export class RequestPasswordResetHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('PasswordReset');

  async handle(cmd: RequestPasswordResetCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    if (!cmd.caller) return fail('UNAUTHORIZED', 'An anonymous token is required');
    const workspaceId = cmd.caller.workspaceId;
    // The canonical form keys the rate limit and the lookup; an address without one matches no account.
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'reset',
      { workspaceId, email: emailKey(cmd.email) ?? cmd.email, ip: cmd.meta.ip },
      { max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', 'Too many resets requested: try again later', { retryAfter: attempt.retryAfter });
    const expiresAt = new Date(now.getTime() + this.config.resetTokenTtlSeconds * 1000).toISOString();
    this.afterAnswer.runLater('password reset mail', cmd.meta.requestId, async () => {
      const profileId = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, cmd.email);
      if (!profileId) return;
      await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, profileId, {
        type: 'RequestPasswordReset',
        expiresAt,
      });
    });
    return ok({});
  }
}
