import { Inject, Injectable } from '@nestjs/common';
import { fail, type Reply, type RequestPasswordResetCommand } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { AnswerThenLookUp } from '../answer-then-look-up';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/auth/password-reset. Answers the same whatever the email (202, same body, same
 * time): after the rate limit, the lookup and the mail happen after the answer
 * (AnswerThenLookUp), so its timing tells nothing about the account. A reset mail with a
 * single-use token (RESET_TOKEN_TTL_SECONDS) follows PasswordResetRequested, which only an
 * account gets. (A crash right after answering loses that one request; the user asks again.)
 */
@Injectable()
export class RequestPasswordResetHandler {
  private readonly byEmail: AnswerThenLookUp;

  constructor(
    profiles: ProfileCommands,
    limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {
    this.byEmail = new AnswerThenLookUp('PasswordReset', 'password reset mail', profiles, limiter);
  }

  async handle(cmd: RequestPasswordResetCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    if (!cmd.caller) return fail('UNAUTHORIZED', 'An anonymous token is required');
    const expiresAt = new Date(now.getTime() + this.config.resetTokenTtlSeconds * 1000).toISOString();
    return this.byEmail.handle(
      { workspaceId: cmd.caller.workspaceId, email: cmd.email, meta: cmd.meta },
      { action: 'reset', maxPerHour: this.config.mailRequestsPerHour, refusal: 'Too many resets requested: try again later' },
      { type: 'RequestPasswordReset', expiresAt },
      now,
    );
  }
}
