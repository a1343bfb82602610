import { Inject, Injectable } from '@nestjs/common';
import {
  canonicalEmail,
  canonicalEmailOrNull,
  describeEmailRefusal,
  uuidv7,
  fail,
  ok,
  type Reply,
  type RegisterCommand,
  type RegisterResult,
} from '@idstream/contracts';
import { hashPassword } from '@idstream/crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { ConcurrencyConflict } from '../event-store/event-store';
import { enqueueMail, fillLink, MailTemplates } from '../mail/mail.outbox';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { register } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { ProfileStore, Refused } from '../profile/profile.store';
import { claimCustomId } from '../profile/custom-ids';
import { WorkspaceStore } from '../workspace/workspace.store';
import { KeyedMutex } from '../concurrency/keyed-mutex';
import { passwordPolicyError } from './password-errors';

/**
 * registerAccount: email unique per workspace (its canonical form, `canonicalEmail`, is the
 * `emails` key: race-free), confusable emails refused or flagged per the workspace, password policy, PBKDF2 off the event loop, the registration mode's mail.
 * An email a backend imported before attaches the account to that profile.
 */
@Injectable()
export class RegisterHandler {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly workspaces: WorkspaceStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  private readonly perEmail = new KeyedMutex();

  handle(cmd: RegisterCommand, now = new Date()): Promise<Reply<RegisterResult>> {
    // One registration per email at a time here; the emails key keeps replicas race-free.
    return this.perEmail.run(`${cmd.caller.workspaceId}:${canonicalEmailOrNull(cmd.email) ?? cmd.email}`, () => this.register(cmd, now));
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
    const holder = await this.profiles.profileIdByEmail(workspace.id, cmd.email);
    if (holder && (await this.profiles.read(workspace.id, holder)).state.kind === 'account')
      return { ok: false, error: ProfileErrors.emailTaken() };
    const passwordHash = await hashPassword(cmd.password);
    const mode = workspace.settings.registrationMode;
    const emailKey = email.canonical;
    const confirmationExpiresAt = new Date(now.getTime() + this.config.confirmationTokenTtlSeconds * 1000);
    const context = { workspaceId: workspace.id, correlationId: cmd.meta.requestId, now };

    const outcome = await this.profiles.transaction(async (manager) => {
      const existing: { profile_id: string }[] = await manager.query(
        'SELECT profile_id FROM auth.emails WHERE workspace_id = $1 AND email_lower = $2',
        [workspace.id, emailKey],
      );
      let profileId = existing[0]?.profile_id;
      if (!profileId) {
        profileId = uuidv7(now.getTime());
        const claimed: unknown[] = await manager.query(
          'INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
          [workspace.id, emailKey, profileId],
        );
        // Another registration claimed the email between our read and insert: retry, then see it.
        if (claimed.length === 0) throw new ConcurrencyConflict(emailKey);
      }
      const result = await this.profiles.executeIn(
        manager,
        context,
        profileId,
        (state) =>
          register(state, {
            email: cmd.email,
            passwordHash,
            profile: cmd.profile,
            agreements: cmd.agreements,
            attributes: cmd.attributes,
            deviceUuid: cmd.caller.role === 'anonymous' ? cmd.caller.uuid : null,
            mode,
            confirmationExpiresAt: confirmationExpiresAt.toISOString(),
            emailConfusable: flagConfusable ? email.confusable : null,
          }),
        async (m, state, events) => {
          if (cmd.profile.customId !== undefined) await claimCustomId(m, workspace.id, cmd.profile.customId, state.profileId);
          if (cmd.caller.role === 'anonymous') {
            await m.query('UPDATE auth.clients SET profile_id = $3 WHERE workspace_id = $1 AND uuid = $2', [
              workspace.id,
              cmd.caller.uuid,
              profileId,
            ]);
          }
          const requested = events.find((e) => e.type === 'EmailConfirmationRequested');
          if (requested?.type === 'EmailConfirmationRequested') {
            const purpose = requested.data.purpose;
            const token = await OneTimeTokens.issue(m, {
              workspaceId: workspace.id,
              profileId: state.profileId,
              purpose,
              expiresAt: confirmationExpiresAt,
            });
            const mail = MailTemplates.confirmation(purpose, fillLink(this.config.mail.confirmUrl, token), token, confirmationExpiresAt);
            await enqueueMail(m, { workspaceId: workspace.id, to: cmd.email, ...mail });
          }
        },
      );
      // A refused registration (EMAIL_TAKEN) must leave nothing behind.
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const result = outcome;
    return ok({
      profileId: result.state.profileId,
      status: result.state.accountStatus ?? 'active',
      emailConfirmed: result.state.emailConfirmed,
      position: result.position!,
    });
  }
}
