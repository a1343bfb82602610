import { Inject, Injectable } from '@nestjs/common';
import {
  canonicalEmail,
  describeEmailRefusal,
  uuidv7,
  fail,
  ok,
  type Reply,
  type RegisterCommand,
  type RegisterResult,
} from '@idstream/contracts';
import { PIN_TTL_SECONDS } from '../../activation-pins/activation-pins';
import { hashPassword } from '../../metrics/password-hashing';
import { KeyedMutex } from '../../concurrency/keyed-mutex';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { ConcurrencyConflict } from '../../event-store/event-store';
import { EmailIndex, emailKey } from '../../indexes/email-index';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { passwordPolicyError } from '../password-policy-error';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors, replyErrorOf } from '../profile.errors';
import { isAccount } from '../profile.state';
import { Refused } from '../refused';

/**
 * registerAccount: email unique per workspace (its canonical form is the `emails` key:
 * race-free), confusable emails refused or flagged per the workspace, password policy, PBKDF2 off the event loop, the registration mode's mail
 * (a reaction to EmailConfirmationRequested). An email a backend imported before attaches
 * the account to that profile.
 */
@Injectable()
export class RegisterHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly perEmail = new KeyedMutex();

  handle(cmd: RegisterCommand, now = new Date()): Promise<Reply<RegisterResult>> {
    // One registration per email at a time here; the emails key keeps replicas race-free.
    return this.perEmail.run(`${cmd.caller.workspaceId}:${emailKey(cmd.email) ?? cmd.email}`, () => this.register(cmd, now));
  }

  private async register(cmd: RegisterCommand, now: Date): Promise<Reply<RegisterResult>> {
    const workspace = await this.workspaces.byId(cmd.caller.workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const email = canonicalEmail(cmd.email);
    if (!email.ok) return { ok: false, error: ProfileErrors.invalidEmail(describeEmailRefusal(email.reason)) };
    const flagConfusable = workspace.settings.emailConfusables === 'flag';
    if (email.confusable && !flagConfusable) return { ok: false, error: ProfileErrors.emailConfusable() };
    const policyError = passwordPolicyError(cmd.password, workspace.settings.passwordPolicy, 'password');
    if (policyError) return { ok: false, error: policyError };
    // A taken email is refused before paying for the hash.
    const holder = await EmailIndex.profileIdOf(this.profiles.manager, workspace.id, cmd.email);
    if (holder && isAccount((await this.profiles.read(workspace.id, holder)).state))
      return { ok: false, error: replyErrorOf('EMAIL_TAKEN') };
    const passwordHash = await hashPassword(cmd.password);
    const confirmationExpiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000).toISOString();
    const context = { workspaceId: workspace.id, correlationId: cmd.meta.requestId, now };

    const outcome = await this.profiles.transaction(async (manager) => {
      let profileId = await EmailIndex.profileIdOf(manager, workspace.id, cmd.email);
      if (!profileId) {
        profileId = uuidv7(now.getTime());
        // Another registration claimed the email between our read and insert: retry, then see it.
        if (!(await EmailIndex.claim(manager, workspace.id, cmd.email, profileId))) throw new ConcurrencyConflict(email.canonical);
      }
      const result = await this.profiles.executeIn(manager, context, profileId, {
        type: 'RegisterAccount',
        email: cmd.email,
        passwordHash,
        profile: cmd.profile,
        agreements: cmd.agreements,
        attributes: cmd.attributes,
        deviceUuid: cmd.caller.role === 'anonymous' ? cmd.caller.uuid : null,
        mode: workspace.settings.registrationMode,
        confirmationExpiresAt,
        pinExpiresAt: new Date(now.getTime() + PIN_TTL_SECONDS * 1000).toISOString(),
        emailConfusable: flagConfusable ? email.confusable : null,
      });
      // A refused registration (EMAIL_TAKEN) must leave nothing behind.
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const { state, position } = outcome;
    if (!isAccount(state)) return fail('INTERNAL', 'Registration recorded no account');
    return ok({
      profileId: state.profileId,
      status: state.kind,
      emailConfirmed: state.kind === 'active' && state.emailConfirmed,
      position,
    });
  }
}
