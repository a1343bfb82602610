import { Inject, Injectable } from '@nestjs/common';
import {
  fail,
  ok,
  type IssuedToken,
  type RefreshCommand,
  type Reply,
  type SignOutCommand,
  type ClosedSessionsResult,
} from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { refresh, signOut, type Clock } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { ProfileStore } from '../profile/profile.store';
import { TokenIssuer } from '../tokens/token-issuer';
import { WorkspaceStore } from '../workspace/workspace.store';

/** The clock of session decisions: tokens issued now expire by now + the max token TTL. */
export function sessionClock(now: Date, config: AuthConfig): Clock {
  return { now: now.toISOString(), tokensExpireBy: new Date(now.getTime() + config.maxAccessTokenTtlSeconds * 1000).toISOString() };
}

/** POST /v1/auth/refresh and /v1/auth/sign-out. The gateway verified the token before. */
@Injectable()
export class SessionHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    private readonly tokens: TokenIssuer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** A new token for the same session, never past the session's max lifetime. */
  async refresh(cmd: RefreshCommand, now = new Date()): Promise<Reply<IssuedToken>> {
    const { caller } = cmd;
    const workspace = await this.workspaces.byId(caller.workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const ttlSeconds = workspace.settings.accessTokenTtlSeconds;
    if (caller.role === 'anonymous') {
      return ok(
        await this.tokens.issue({
          workspaceId: workspace.id,
          subject: caller.uuid,
          uuid: caller.uuid,
          role: 'anonymous',
          sessionId: caller.sessionId,
          ttlSeconds,
          now,
        }),
      );
    }
    const { state } = await this.profiles.read(workspace.id, caller.subject);
    const decision = refresh(state, { sessionId: caller.sessionId, now: now.toISOString() });
    if (decision.error) return { ok: false, error: decision.error };
    const notAfter = new Date(state.sessions[caller.sessionId]!.expiresAt);
    // A token must live at least a couple of seconds to be worth issuing.
    if (notAfter.getTime() - now.getTime() < 2000) return { ok: false, error: ProfileErrors.sessionExpired() };
    return ok(
      await this.tokens.issue({
        workspaceId: workspace.id,
        subject: caller.subject,
        uuid: caller.uuid,
        role: 'customer',
        sessionId: caller.sessionId,
        ttlSeconds,
        notAfter,
        now,
      }),
    );
  }

  /** Closes the caller's session: SessionClosed, after which every token of it is rejected. */
  async signOut(cmd: SignOutCommand, now = new Date()): Promise<Reply<ClosedSessionsResult>> {
    const { caller } = cmd;
    const clock = sessionClock(now, this.config);
    const outcome = await this.profiles.execute(
      { workspaceId: caller.workspaceId, correlationId: cmd.meta.requestId, now },
      caller.subject,
      (state) => signOut(state, { sessionId: caller.sessionId }, clock),
    );
    if (outcome.error) return { ok: false, error: outcome.error };
    // Already closed or not: the caller's session is closed from now on.
    return ok({ closedSessions: [{ sessionId: caller.sessionId, closedAt: clock.now, forgetAfter: clock.tokensExpireBy }] });
  }
}
