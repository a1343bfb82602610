import { Injectable } from '@nestjs/common';
import { fail, ok, type IssuedToken, type RefreshCommand, type Reply } from '@idstream/contracts';
import { TokenIssuer } from '../../tokens/token-issuer';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { ProfileCommands } from '../profile.commands.runner';
import { decide } from '../profile.decider';
import { ProfileErrors, replyErrorOf } from '../profile.errors';
import { sessionsOf } from '../profile.state';

/** POST /v1/auth/refresh: a new token for the same session, never past the session's max lifetime. The gateway verified the token. */
@Injectable()
export class RefreshSessionHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly tokens: TokenIssuer,
  ) {}

  async handle(cmd: RefreshCommand, now = new Date()): Promise<Reply<IssuedToken>> {
    const { caller } = cmd;
    const workspace = await this.workspaces.byId(caller.workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const ttlSeconds = workspace.settings.accessTokenTtlSeconds;
    const token = {
      workspaceId: workspace.id,
      uuid: caller.uuid,
      sessionId: caller.sessionId,
      ttlSeconds,
      algorithm: workspace.settings.tokenAlgorithm,
      now,
    };
    if (caller.role === 'anonymous') return ok(await this.tokens.issue({ ...token, subject: caller.uuid, role: 'anonymous' }));
    // A refresh records nothing: the decision is only a check, made on auth's own state.
    const { state } = await this.profiles.read(workspace.id, caller.subject);
    const { refusal } = decide({ type: 'RefreshSession', sessionId: caller.sessionId, now: now.toISOString() }, state);
    if (refusal) return { ok: false, error: replyErrorOf(refusal) };
    const notAfter = new Date(sessionsOf(state)[caller.sessionId]!.expiresAt);
    // A token must live at least a couple of seconds to be worth issuing.
    if (notAfter.getTime() - now.getTime() < 2000) return { ok: false, error: ProfileErrors.sessionExpired() };
    return ok(await this.tokens.issue({ ...token, subject: caller.subject, role: 'customer', notAfter }));
  }
}
