import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  fail,
  ok,
  uuidv7,
  type Agreements,
  type Reply,
  type ReplyError,
  type SignInExternalCommand,
  type SignInExternalResult,
} from '@idstream/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { ConcurrencyConflict } from '../../event-store/event-store';
import { verifyIdToken } from '../../external-identity/id-token.verifier';
import { resolveProvider } from '../../external-identity/identity-providers';
import { ProviderKeysCache } from '../../external-identity/provider-keys';
import { EmailIndex } from '../../indexes/email-index';
import { ExternalIdentityIndex } from '../../indexes/external-identity-index';
import { TokenIssuer } from '../../tokens/token-issuer';
import { WorkspaceStore } from '../../workspace/workspace.store';
import type { SignInExternalCommand as Decide } from '../profile.commands';
import { ProfileCommands, type Outcome } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { isAccount, type ProfileState } from '../profile.state';
import { Refused } from '../refused';
import { missingAgreements } from './sign-in-external.decider';

/**
 * POST /v1/auth/external. Auth verifies the ID token (not the gateway): it holds the workspace's
 * providers and decides the linking, so the claims it links by never cross a process boundary
 * unverified, and the gateway stays free of outbound calls to third parties. Then: the profile
 * holding the identity, else the one holding the provider-verified email, else a new account
 * (or, `conditional`, REGISTRATION_REQUIRED and nothing written). The session is a password
 * sign-in's: SessionOpened (method `external`), the device linked, the same token.
 */
@Injectable()
export class SignInExternalHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly keys: ProviderKeysCache,
    private readonly tokens: TokenIssuer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: SignInExternalCommand, now = new Date()): Promise<Reply<SignInExternalResult>> {
    const workspace = await this.workspaces.byId(cmd.caller.workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const provider = resolveProvider(workspace.settings.identityProviders, cmd.provider);
    if (!provider) return fail('UNKNOWN_PROVIDER', `This workspace has no identity provider named ${cmd.provider}`);
    const verified = await verifyIdToken(this.keys, provider, cmd.idToken, cmd.nonce);
    if (!verified.ok && verified.code === 'PROVIDER_UNAVAILABLE') return { ok: false, error: ProfileErrors.providerUnavailable() };
    if (!verified.ok) return { ok: false, error: ProfileErrors.externalTokenInvalid() };
    const { issuer, subject, verifiedEmail } = verified.claims;

    const workspaceId = workspace.id;
    const requiredAgreements = workspace.settings.requiredAgreements ?? [];
    /** TERMS_ACCEPTANCE_REQUIRED with the names still to accept: a status when conditional, else a 403. */
    const termsRequired = (conditions: string[]): Reply<SignInExternalResult> =>
      cmd.conditional
        ? ok({ status: 'TERMS_ACCEPTANCE_REQUIRED', conditions })
        : { ok: false, error: ProfileErrors.termsAcceptanceRequired(conditions) };
    const sessionId = randomUUID();
    const sessionExpiresAt = new Date(now.getTime() + workspace.settings.sessionMaxLifetimeSeconds * 1000);
    const base = {
      type: 'SignInExternal' as const,
      identity: { provider: provider.name, issuer, subject },
      sessionId,
      deviceUuid: cmd.caller.role === 'anonymous' ? cmd.caller.uuid : null,
      sessionExpiresAt: sessionExpiresAt.toISOString(),
      requiredAgreements,
    };
    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const reader = this.profiles.manager;
    const holder = await ExternalIdentityIndex.profileIdOf(reader, workspaceId, issuer, subject);
    const emailHolder = holder || !verifiedEmail ? null : await EmailIndex.profileIdOf(reader, workspaceId, verifiedEmail);

    let profileId: string;
    let command: Decide;
    const agreements = cmd.agreements;
    if (holder) [profileId, command] = [holder, { ...base, match: 'holder', agreements }];
    else if (emailHolder && verifiedEmail)
      [profileId, command] = [emailHolder, { ...base, match: 'verified-email', verifiedEmail, agreements }];
    else if (!verifiedEmail)
      // A new account needs an email (UserRegistered v1 carries one), and only a verified one may claim it.
      return { ok: false, error: ProfileErrors.externalTokenInvalid() };
    // A new account must accept the required agreements with its first sign-in: nothing is created until then.
    else if (missingAgreements(requiredAgreements, cmd.agreements).length > 0)
      return termsRequired(missingAgreements(requiredAgreements, cmd.agreements));
    else if (cmd.conditional) return ok({ status: 'REGISTRATION_REQUIRED', conditions: ['REGISTRATION_REQUIRED'] });
    else {
      profileId = uuidv7(now.getTime());
      const mode = workspace.settings.registrationMode;
      command = {
        ...base,
        match: 'create',
        verifiedEmail,
        profile: cmd.profile,
        agreements: cmd.agreements,
        attributes: cmd.attributes,
        mode,
      };
    }

    const decision: Decide = command;
    /** A refused outcome as the `Refused` to answer: only the owner of the verified identity learns which agreements the profile still lacks. */
    const refusalOf = (result: Outcome, error: ReplyError): Refused =>
      error.code === 'TERMS_ACCEPTANCE_REQUIRED'
        ? new Refused({ ...error, conditions: missingAgreements(requiredAgreements, agreedBy(result.state, agreements)) })
        : new Refused(error);
    const outcome: Outcome | Refused =
      decision.match === 'create'
        ? await this.profiles.transaction(async (manager) => {
            if (!(await EmailIndex.claim(manager, workspaceId, decision.verifiedEmail, profileId)))
              // The email was registered meanwhile; a retry of the whole sign-in would link to it instead.
              throw new ConcurrencyConflict(profileId);
            const result = await this.profiles.executeIn(manager, context, profileId, decision);
            // A refusal rolls the account and its email claim back.
            if (result.error) throw refusalOf(result, result.error);
            return result;
          })
        : // An existing profile: the decider's refusals here record nothing, so this is a command like
          // any other (a returning identity's session and its device link: the load and one statement).
          await this.profiles
            .execute(context, profileId, decision)
            .then((result) => (result.error ? refusalOf(result, result.error) : result));
    if (outcome instanceof Refused && outcome.error.code === 'TERMS_ACCEPTANCE_REQUIRED')
      return termsRequired(outcome.error.conditions ?? []);
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const token = await this.tokens.issue({
      workspaceId,
      subject: profileId,
      uuid: base.deviceUuid ?? cmd.caller.uuid,
      role: 'customer',
      sessionId,
      ttlSeconds: workspace.settings.accessTokenTtlSeconds,
      algorithm: workspace.settings.tokenAlgorithm,
      notAfter: sessionExpiresAt,
      now,
    });
    return ok({ ...token, status: 'SUCCESS', profileId, created: command.match === 'create' });
  }
}

/** The agreements a profile holds with those of this sign-in on top. */
const agreedBy = (state: ProfileState, agreements: Agreements): Agreements => ({
  ...(isAccount(state) ? state.agreements : {}),
  ...agreements,
});
