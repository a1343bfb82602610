import { Inject, Injectable } from '@nestjs/common';
import { fail, type Reply, type ResendActivationPinCommand } from '@idstream/contracts';
import { PIN_TTL_SECONDS } from '../../activation-pins/activation-pins';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { AnswerThenLookUp } from '../answer-then-look-up';
import { ProfileCommands } from '../profile.commands.runner';

/**
 * POST /v1/accounts/activate-pin/resend (requestAccountActivationByPin): a new PIN, bound to
 * the asking device, replaces the old one when the email has a pending account in a PIN
 * workspace. As the confirmation resend: 202 after the rate limit alone, lookup and mail after
 * (AnswerThenLookUp); outside a PIN workspace, or for a caller that is not anonymous, the same
 * 202 and nothing after.
 */
@Injectable()
export class RequestActivationPinHandler {
  private readonly byEmail: AnswerThenLookUp;

  constructor(
    profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {
    this.byEmail = new AnswerThenLookUp('ActivationPin', 'activation PIN mail', profiles, limiter);
  }

  async handle(cmd: ResendActivationPinCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const pinWorkspace = workspace.settings.registrationMode === 'email-pin-activation' && cmd.caller.role === 'anonymous';
    const expiresAt = new Date(now.getTime() + PIN_TTL_SECONDS * 1000).toISOString();
    return this.byEmail.handle(
      { workspaceId, email: cmd.email, meta: cmd.meta },
      { action: 'mail', maxPerHour: this.config.mailRequestsPerHour, refusal: 'Too many mails requested: try again later' },
      pinWorkspace ? { type: 'RequestActivationPin', deviceUuid: cmd.caller.uuid, expiresAt } : undefined,
      now,
    );
  }
}
