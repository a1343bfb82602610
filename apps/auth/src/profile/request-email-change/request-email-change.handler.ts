import { Inject, Injectable } from '@nestjs/common';
import { canonicalEmail, describeEmailRefusal, ok, type Reply, type RequestEmailChangeCommand } from '@idstream/contracts';
import { AfterAnswer } from '../../concurrency/after-answer';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { ProfileCommands } from '../profile.commands.runner';
import { OwnerProofChecker } from '../owner-proof';
import { ProfileErrors } from '../profile.errors';
import { sessionsOf } from '../profile.state';

/**
 * POST /v1/account/email-change (requestEmailChange): the password, or a fresh ID token of the
 * linked provider (owner-proof.ts), is required (guesses limited before the hashing, as for a
 * password change). The answer is 202 right after the password
 * check, the same whether the new email is free or taken: the lookup, the decision and the
 * mails (a token to the new address when it is free, a notice to the current one) come after.
 */
@Injectable()
export class RequestEmailChangeHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: AuthRateLimiter,
    private readonly owner: OwnerProofChecker,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly afterAnswer = new AfterAnswer('EmailChange');

  async handle(cmd: RequestEmailChangeCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const { workspaceId, subject, sessionId } = cmd.caller;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return { ok: false, error: ProfileErrors.noAccount() };
    // Registration's rules for the new address: a canonical form, and no confusables unless the workspace flags them.
    const email = canonicalEmail(cmd.newEmail);
    if (!email.ok)
      return {
        ok: false,
        error: {
          ...ProfileErrors.invalidEmail(describeEmailRefusal(email.reason)),
          errors: [{ field: 'newEmail', message: `newEmail ${describeEmailRefusal(email.reason)}` }],
        },
      };
    if (email.confusable && workspace.settings.emailConfusables !== 'flag') return { ok: false, error: ProfileErrors.emailConfusable() };
    const { state } = await this.profiles.read(workspaceId, subject);
    if (!sessionsOf(state)[sessionId]) return { ok: false, error: ProfileErrors.sessionClosed() };
    const attempt = await this.limiter.attempt(
      [
        {
          bucket: `password-change:${workspaceId}:${subject}`,
          max: this.config.signIn.maxFailures,
          windowSeconds: this.config.signIn.windowSeconds,
        },
        { bucket: `email-change-mail:${workspaceId}:${subject}`, max: this.config.mailRequestsPerHour, windowSeconds: 3600 },
      ],
      now,
    );
    if (!attempt.allowed) return { ok: false, error: ProfileErrors.tooManyAttempts(attempt.retryAfter) };
    const checked = await this.owner.check(cmd, state, workspace.settings, now);
    if (!checked.ok) return checked;
    const expiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000).toISOString();
    this.afterAnswer.runLater('email change', cmd.meta.requestId, async () => {
      const holder = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, cmd.newEmail);
      await this.profiles.execute({ workspaceId, correlationId: cmd.meta.requestId, now }, subject, {
        type: 'RequestEmailChange',
        proof: checked.proof,
        newEmail: cmd.newEmail,
        newEmailTaken: holder !== null,
        expiresAt,
      });
    });
    return ok({});
  }
}
