import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type EraseProfileCommand, type EraseProfileResult, type Reply } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { sessionClock } from '../session-clock';

/**
 * Backend (server key): erasure closes every session and records ProfileErased; what follows it
 * (profile.reactions.ts) frees the email and customId, unlinks devices, drops tokens and mails,
 * and redacts the personal data in auth's stored events. Kept: the profile id, the event types
 * and times, and the erasure time (docs/architecture.md, "Erasure").
 */
@Injectable()
export class EraseProfileHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: EraseProfileCommand, now = new Date()): Promise<Reply<EraseProfileResult & ClosedSessionsResult>> {
    const { workspaceId, profileId } = cmd;
    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const outcome = await this.profiles.execute(context, profileId, { type: 'EraseProfile', clock: sessionClock(now, this.config) });
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ position: outcome.position, closedSessions: closedSessionsOf(outcome.events) });
  }
}
