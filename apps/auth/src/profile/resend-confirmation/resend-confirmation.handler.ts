import { Inject, Injectable } from '@nestjs/common';
import { fail, type Reply, type ResendConfirmationCommand } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { AnswerThenLookUp } from '../answer-then-look-up';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/accounts/confirm/resend: a new confirmation mail when the email has an unconfirmed
 * account (the mail follows EmailConfirmationRequested). The answer is the same, in content and
 * time, whether or not it has one (AnswerThenLookUp).
 */
@Injectable()
export class ResendConfirmationHandler {
  private readonly byEmail: AnswerThenLookUp;

  constructor(
    profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {
    this.byEmail = new AnswerThenLookUp('Confirmation', 'confirmation mail', profiles, limiter);
  }

  async handle(cmd: ResendConfirmationCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const expiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000).toISOString();
    return this.byEmail.handle(
      { workspaceId, email: cmd.email, meta: cmd.meta },
      { action: 'mail', maxPerHour: this.config.mailRequestsPerHour, refusal: 'Too many mails requested: try again later' },
      { type: 'RequestConfirmation', mode: workspace.settings.registrationMode, expiresAt },
      now,
    );
  }
}
