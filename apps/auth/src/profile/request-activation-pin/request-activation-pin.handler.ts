import { Inject, Injectable } from '@nestjs/common';
import { fail, ok, type Reply, type ResendActivationPinCommand } from '@idstream/contracts';
import { PIN_TTL_SECONDS } from '../../activation-pins/activation-pins';
import { AfterAnswer } from '../../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex, emailKey } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/accounts/activate-pin/resend (requestAccountActivationByPin): a new PIN, bound to
 * the asking device, replaces the old one when the email has a pending account in a PIN
 * workspace. As the confirmation resend: 202 after the rate limit alone, lookup and mail after.
 */
@Injectable()
export class RequestActivationPinHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('ActivationPin');

  async handle(cmd: ResendActivationPinCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'mail',
      { workspaceId, email: emailKey(cmd.email) ?? cmd.email, ip: cmd.meta.ip },
      { max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', 'Too many mails requested: try again later', { retryAfter: attempt.retryAfter });
    if (workspace.settings.registrationMode !== 'email-pin-activation' || cmd.caller.role !== 'anonymous') return ok({});
    const deviceUuid = cmd.caller.uuid;
    const expiresAt = new Date(now.getTime() + PIN_TTL_SECONDS * 1000).toISOString();
    this.afterAnswer.runLater('activation PIN mail', cmd.meta.requestId, async () => {
      const profileId = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, cmd.email);
      if (!profileId) return;
      await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, profileId, {
        type: 'RequestActivationPin',
        deviceUuid,
        expiresAt,
      });
    });
    return ok({});
  }
}
