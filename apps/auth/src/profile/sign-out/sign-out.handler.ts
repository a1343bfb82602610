import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type Reply, type SignOutCommand } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { ProfileCommands } from '../profile.commands.runner';
import { sessionClock } from '../session-clock';

/** POST /v1/auth/sign-out: SessionClosed, after which every token of the session is rejected. */
@Injectable()
export class SignOutHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: SignOutCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const { caller } = cmd;
    const clock = sessionClock(now, this.config);
    const context = { workspaceId: caller.workspaceId, correlationId: cmd.meta.requestId, now };
    const outcome = await this.profiles.execute(context, caller.subject, { type: 'SignOut', sessionId: caller.sessionId, clock });
    if (outcome.error) return { ok: false, error: outcome.error };
    // Already closed or not: the caller's session is closed from now on.
    return ok({
      closedSessions: [{ sessionId: caller.sessionId, reason: 'sign-out', closedAt: clock.now, forgetAfter: clock.tokensExpireBy }],
    });
  }
}
