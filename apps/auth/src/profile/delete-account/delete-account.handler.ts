import { Inject, Injectable } from '@nestjs/common';
import { ok, type ClosedSessionsResult, type DeleteAccountCommand, type Reply } from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { OwnerProofChecker } from '../owner-proof';
import { closedSessionsOf, ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { sessionsOf } from '../profile.state';
import { sessionClock } from '../session-clock';

/**
 * DELETE /v1/account: the owner's password, or a fresh ID token of the linked provider
 * (owner-proof.ts; limited like a password change, before any hashing or fetching), then the backend's erasure: every session closed (reason `account-deleted`) and
 * ProfileErased, whose reactions (profile.reactions.ts) are the same as for EraseProfile.
 */
@Injectable()
export class DeleteAccountHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly limiter: AuthRateLimiter,
    private readonly workspaces: WorkspaceStore,
    private readonly owner: OwnerProofChecker,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: DeleteAccountCommand, now = new Date()): Promise<Reply<{ position: string } & ClosedSessionsResult>> {
    const { workspaceId, subject, sessionId } = cmd.caller;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return { ok: false, error: ProfileErrors.noAccount() };
    const { state } = await this.profiles.read(workspaceId, subject);
    if (!sessionsOf(state)[sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    const limit = {
      bucket: `account-delete:${workspaceId}:${subject}`,
      max: this.config.signIn.maxFailures,
      windowSeconds: this.config.signIn.windowSeconds,
    };
    const attempt = await this.limiter.attempt([limit], now);
    if (!attempt.allowed) return { ok: false, error: ProfileErrors.tooManyAttempts(attempt.retryAfter) };
    const checked = await this.owner.check(cmd, state, workspace.settings, now);
    if (!checked.ok) return checked;
    await attempt.release();
    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const clock = sessionClock(now, this.config);
    // The proof is compared again in the transaction: a password changed (or an identity unlinked) meanwhile refuses.
    const outcome = await this.profiles.execute(context, subject, { type: 'DeleteAccount', proof: checked.proof, clock });
    if (outcome.error) return { ok: false, error: outcome.error };
    return ok({ position: outcome.position, closedSessions: closedSessionsOf(outcome.events) });
  }
}
