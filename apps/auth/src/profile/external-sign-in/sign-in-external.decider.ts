import { canonicalEmailOrNull } from '@idstream/contracts';
import type { SignInExternalCommand } from '../profile.commands';
import { decided, refused, type Decision } from '../profile.decision';
import type { ProfileEvent } from '../profile.events';
import { emailConfirmed, hasIdentity, isAccount, type ProfileState } from '../profile.state';

/**
 * A sign-in with a verified external ID token. The three ways in, and why each is safe:
 * - the profile already holds the identity (issuer, subject): the provider vouches for it;
 * - a profile holds the token's email, which the PROVIDER verified: linking is safe only when
 *   that account is active and confirmed its own email too; an account waiting for its mailed
 *   activation may have been registered by someone who does not own the address, and linking
 *   would hand its sessions to the real owner or the reverse;
 * - no profile: a new account, active, its email confirmed by the provider, with no password.
 * Anything else answers the same as a bad token, so nobody learns which accounts exist.
 */
export function signInExternal(cmd: SignInExternalCommand, state: ProfileState): Decision {
  const { provider, issuer, subject } = cmd.identity;
  const profileId = state.profileId;
  const session: ProfileEvent = {
    type: 'SessionOpened',
    data: { profileId, sessionId: cmd.sessionId, deviceUuid: cmd.deviceUuid, expiresAt: cmd.sessionExpiresAt, method: 'external' },
  };
  const linked = (linkedBy: 'created' | 'verified-email'): ProfileEvent => ({
    type: 'ExternalIdentityLinked',
    data: { profileId, provider, issuer, subject, linkedBy },
  });
  switch (cmd.match) {
    case 'holder':
      if (!hasIdentity(state, issuer, subject)) return refused('EXTERNAL_LINK_REFUSED');
      if (state.kind === 'pending-activation') return refused('ACCOUNT_NOT_ACTIVATED');
      return withAgreements(cmd, state, [session]);
    case 'verified-email': {
      if (hasIdentity(state, issuer, subject)) return withAgreements(cmd, state, [session]);
      if (state.kind !== 'active' || !emailConfirmed(state)) return refused('EXTERNAL_LINK_REFUSED');
      const key = canonicalEmailOrNull(cmd.verifiedEmail);
      if (key === null || canonicalEmailOrNull(state.email) !== key) return refused('EXTERNAL_LINK_REFUSED');
      return withAgreements(cmd, state, [linked('verified-email'), session]);
    }
    case 'create':
      // A new account must accept the required agreements with its first sign-in, or nothing is created.
      if (missingAgreements(cmd.requiredAgreements, cmd.agreements).length > 0) return refused('TERMS_ACCEPTANCE_REQUIRED');
      if (state.kind !== 'none') return refused('EXTERNAL_LINK_REFUSED');
      return decided(
        {
          type: 'UserRegistered',
          data: {
            profileId,
            email: cmd.verifiedEmail,
            profile: cmd.profile,
            agreements: cmd.agreements,
            attributes: cmd.attributes,
            deviceUuid: cmd.deviceUuid,
            registrationMode: cmd.mode,
            status: 'active',
            emailConfirmed: true,
            attachedToImportedProfile: false,
            passwordHash: null,
          },
        },
        linked('created'),
        session,
      );
    default: {
      const never: never = cmd;
      return never;
    }
  }
}

/** The required agreement names not accepted (`true`) in `agreements`. */
export const missingAgreements = (required: readonly string[], agreements: Readonly<Record<string, boolean>>): string[] =>
  required.filter((name) => agreements[name] !== true);

/**
 * As for a password sign-in: the agreements sent with it count once the identity is verified
 * (changed ones recorded as AccountUpdated), and the session opens only when every required one
 * is accepted; otherwise TERMS_ACCEPTANCE_REQUIRED and nothing is recorded (neither link nor session).
 */
function withAgreements(
  cmd: Extract<SignInExternalCommand, { match: 'holder' | 'verified-email' }>,
  state: ProfileState,
  then: ProfileEvent[],
): Decision {
  const current = isAccount(state) ? state.agreements : {};
  const accepted = Object.fromEntries(Object.entries(cmd.agreements).filter(([name, v]) => current[name] !== v));
  if (missingAgreements(cmd.requiredAgreements, { ...current, ...accepted }).length > 0) return refused('TERMS_ACCEPTANCE_REQUIRED');
  if (Object.keys(accepted).length === 0) return decided(...then);
  return decided({ type: 'AccountUpdated', data: { profileId: state.profileId, changes: {}, agreements: accepted } }, ...then);
}
