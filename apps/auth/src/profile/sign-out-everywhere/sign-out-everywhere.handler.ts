import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type Reply, type SignOutCommand } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { sessionClock } from '../session-clock';

/**
 * POST /v1/auth/sign-out with `{ fromAllDevices: true }`: every session of the profile closes
 * (reason `sign-out-all`); the reply names them so the gateway rejects their tokens at once.
 */
@Injectable()
export class SignOutEverywhereHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: SignOutCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const { caller } = cmd;
    const context = { workspaceId: caller.workspaceId, correlationId: cmd.meta.requestId, now };
    const clock = sessionClock(now, this.config);
    const outcome = await this.profiles.execute(context, caller.subject, { type: 'SignOutEverywhere', sessionId: caller.sessionId, clock });
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
