import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type Reply, type RevokeSessionsCommand } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { sessionClock } from '../session-clock';

/** Backend (server key): POST /v1/backend/profiles/{id}/sessions/revoke closes every session (reason `admin`). */
@Injectable()
export class RevokeSessionsHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: RevokeSessionsCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const context = { workspaceId: cmd.workspaceId, correlationId: cmd.meta.requestId, now };
    const outcome = await this.profiles.execute(context, cmd.profileId, { type: 'RevokeSessions', clock: sessionClock(now, this.config) });
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ closedSessions: closedSessionsOf(outcome.events) });
  }
}
