import { PROFILE_FIELD_NAMES, type ProfileFields, type SessionCloseReason } from '@idstream/contracts';
import type { Clock, ProfileCommand, ProvenOwner } from './profile.commands';
import type { ProfileEvent } from './profile.events';
import { signInExternal } from './external-sign-in/sign-in-external.decider';
import { decided, refused, type Decision } from './profile.decision';
import {
  emailConfirmed,
  evolve,
  hasIdentity,
  initialProfileState,
  isAccount,
  sessionsOf,
  type AccountState,
  type ProfileState,
} from './profile.state';

export type { Decision } from './profile.decision';

/**
 * The profile aggregate's decisions: a pure function of (command, state). Time, ids and
 * password hashes arrive in the command, so every decision is deterministic.
 */
export function decide(command: ProfileCommand, state: ProfileState): Decision {
  switch (command.type) {
    case 'RegisterAccount':
      return register(command, state);
    case 'ConfirmEmail':
      if (!isAccount(state)) return refused('TOKEN_INVALID');
      if (emailConfirmed(state)) return decided();
      return decided({ type: 'EmailConfirmed', data: { profileId: state.profileId, activated: state.kind === 'pending-activation' } });
    case 'RequestConfirmation': {
      // Resend: only an unconfirmed account gets a new mail; anything else answers the same, silently.
      if (!isAccount(state) || emailConfirmed(state)) return decided();
      // A PIN workspace activates only by PIN (bound to a device): no link is mailed.
      if (command.mode === 'email-pin-activation') return decided();
      const purpose = state.kind === 'pending-activation' ? 'activation' : 'confirmation';
      if (purpose === 'confirmation' && command.mode === 'automatic') return decided();
      return decided({ type: 'EmailConfirmationRequested', data: { profileId: state.profileId, purpose, expiresAt: command.expiresAt } });
    }
    case 'RequestActivationPin':
      // Only a pending account gets a PIN; anything else answers the same, silently.
      if (state.kind !== 'pending-activation') return decided();
      return decided({
        type: 'EmailConfirmationRequested',
        data: { profileId: state.profileId, purpose: 'pin-activation', deviceUuid: command.deviceUuid, expiresAt: command.expiresAt },
      });
    case 'ActivateWithPin':
      // An account already active has no PIN to use: the same answer as any wrong PIN.
      if (state.kind !== 'pending-activation') return refused('PIN_INVALID');
      return decided({ type: 'EmailConfirmed', data: { profileId: state.profileId, activated: true } });
    case 'SignIn':
      return signIn(command, state);
    case 'RefreshSession': {
      // A refresh records nothing; it only checks that the session is open and within its lifetime.
      if (!isAccount(state)) return refused('SESSION_CLOSED');
      const session = sessionsOf(state)[command.sessionId];
      if (!session) return refused('SESSION_CLOSED');
      if (session.expiresAt <= command.now) return refused('SESSION_EXPIRED');
      return decided();
    }
    case 'SignOut':
      // Signing out of a session that is already closed changes nothing and is not an error.
      if (!sessionsOf(state)[command.sessionId]) return decided();
      return decided(...closeSessions(state, [command.sessionId], 'sign-out', command.clock));
    case 'SignOutEverywhere':
      // A token of a session auth knows closed (a gateway that missed it) closes nothing more.
      if (!sessionsOf(state)[command.sessionId]) return refused('SESSION_CLOSED');
      return decided(...closeSessions(state, Object.keys(sessionsOf(state)), 'sign-out-all', command.clock));
    case 'RevokeSessions':
      if (state.kind === 'none' || state.kind === 'erased') return refused('PROFILE_NOT_FOUND');
      return decided(...closeSessions(state, Object.keys(sessionsOf(state)), 'admin', command.clock));
    case 'DeleteAccount':
      if (!isAccount(state)) return refused('NO_ACCOUNT');
      if (!ownerProofHolds(state, command.proof)) return refused('CURRENT_PASSWORD_WRONG');
      return erase(state, 'account-deleted', command.clock);
    case 'UpdateAccount':
      if (!isAccount(state)) return refused('NO_ACCOUNT');
      // Auth's own check of the caller's session: a gateway that missed a revocation still cannot use it.
      if (!sessionsOf(state)[command.sessionId]) return refused('SESSION_CLOSED');
      return updateAccount(command, state);
    case 'ChangePassword': {
      if (!isAccount(state)) return refused('NO_ACCOUNT');
      if (state.passwordHash === null) return refused('PASSWORD_NOT_SET');
      // The hash changed since the current password was checked against it: that check is void.
      if (state.passwordHash !== command.verifiedHash) return refused('CURRENT_PASSWORD_WRONG');
      // A new password closes every other session of the profile; the caller's stays open.
      const others = Object.keys(sessionsOf(state)).filter((sid) => sid !== command.keepSessionId);
      return decided(
        { type: 'PasswordChanged', data: { profileId: state.profileId, passwordHash: command.newPasswordHash } },
        ...closeSessions(state, others, 'password-changed', command.clock),
      );
    }
    case 'RequestPasswordReset':
      if (!isAccount(state)) return decided();
      return decided({ type: 'PasswordResetRequested', data: { profileId: state.profileId, expiresAt: command.expiresAt } });
    case 'CompletePasswordReset':
      // A reset closes every session of the profile.
      if (!isAccount(state)) return refused('TOKEN_INVALID');
      return decided(
        { type: 'PasswordResetCompleted', data: { profileId: state.profileId, passwordHash: command.newPasswordHash } },
        ...closeSessions(state, Object.keys(sessionsOf(state)), 'password-reset', command.clock),
      );
    case 'ImportProfile':
      // Backend import: creates the profile, or updates its fields when it exists (upsert).
      if (state.kind === 'erased') return refused('PROFILE_NOT_FOUND');
      // Whoever registered an email they do not own would read what the backend attaches to it:
      // imported data waits until the account has confirmed its email.
      if (isAccount(state) && !emailConfirmed(state)) return refused('EMAIL_NOT_CONFIRMED');
      return decided({
        type: 'ProfileImported',
        data: {
          profileId: state.profileId,
          email: (state.kind === 'none' ? null : state.email) ?? command.email,
          profile: command.profile,
          attributes: command.attributes,
          created: state.kind === 'none',
        },
      });
    case 'RecognizeClient':
      if (state.kind === 'none' || state.kind === 'erased') return refused('PROFILE_NOT_FOUND');
      // By email, as for imports: an address nobody confirmed does not prove whose device it is.
      if (command.matchedBy === 'email' && isAccount(state) && !emailConfirmed(state)) return refused('EMAIL_NOT_CONFIRMED');
      if (command.previousProfileId === state.profileId) return decided();
      return decided({
        type: 'ClientRecognized',
        data: {
          profileId: state.profileId,
          uuid: command.uuid,
          matchedBy: command.matchedBy,
          previousProfileId: command.previousProfileId,
        },
      });
    case 'EraseProfile':
      // Erasure closes every session and leaves a tombstone; erasing twice changes nothing.
      if (state.kind === 'none') return refused('PROFILE_NOT_FOUND');
      if (state.kind === 'erased') return decided();
      return erase(state, 'erased', command.clock);
    case 'SignInExternal':
      return signInExternal(command, state);
    case 'RequestEmailChange':
      if (state.kind !== 'active') return refused('NO_ACCOUNT');
      if (!ownerProofHolds(state, command.proof)) return refused('CURRENT_PASSWORD_WRONG');
      return decided({
        type: 'EmailChangeRequested',
        data: {
          profileId: state.profileId,
          expiresAt: command.expiresAt,
          newEmail: command.newEmail,
          newEmailTaken: command.newEmailTaken,
        },
      });
    case 'ConfirmEmailChange':
      return confirmEmailChange(command, state);
    default: {
      const never: never = command;
      return never;
    }
  }
}

/**
 * Whether what the owner proved outside `decide` still holds: the password hash it was checked
 * against is still the profile's (a change or reset meanwhile voids the check), or the identity
 * the ID token was verified for is still linked to the profile.
 */
function ownerProofHolds(state: AccountState, proof: ProvenOwner): boolean {
  if (proof.by === 'external') return hasIdentity(state, proof.issuer, proof.subject);
  return proof.verifiedHash !== null && state.passwordHash === proof.verifiedHash;
}

/** Every session closed, then ProfileErased: what follows it (profile.reactions.ts) is the same for both erasures. */
function erase(state: ProfileState, reason: 'erased' | 'account-deleted', clock: Clock): Decision {
  return decided(...closeSessions(state, Object.keys(sessionsOf(state)), reason, clock), {
    type: 'ProfileErased',
    data: { profileId: state.profileId, erasedAt: clock.now },
  });
}

type Command<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>;

function register(cmd: Command<'RegisterAccount'>, state: ProfileState): Decision {
  if (state.kind !== 'none' && state.kind !== 'imported') return refused('EMAIL_TAKEN');
  // Attaching an account to a profile a backend imported would hand its data to whoever
  // typed the email: whatever the mode, the account waits for the mailed activation.
  const mode = state.kind === 'imported' ? 'email-activation' : cmd.mode;
  // A PIN is bound to the registering device: without one (a registration from a backend
  // token) there is nothing to bind it to, so the account waits for a PIN asked for by a device.
  const status = mode === 'email-activation' || mode === 'email-pin-activation' ? 'pending-activation' : 'active';
  const events: ProfileEvent[] = [
    {
      type: 'UserRegistered',
      data: {
        profileId: state.profileId,
        email: cmd.email,
        profile: cmd.profile,
        agreements: cmd.agreements,
        attributes: cmd.attributes,
        deviceUuid: cmd.deviceUuid,
        registrationMode: cmd.mode,
        status,
        emailConfirmed: false,
        attachedToImportedProfile: state.kind === 'imported',
        ...(cmd.emailConfusable ? { emailConfusable: cmd.emailConfusable } : {}),
        passwordHash: cmd.passwordHash,
      },
    },
  ];
  if (mode === 'email-pin-activation') {
    if (cmd.deviceUuid)
      events.push({
        type: 'EmailConfirmationRequested',
        data: { profileId: state.profileId, purpose: 'pin-activation', deviceUuid: cmd.deviceUuid, expiresAt: cmd.pinExpiresAt },
      });
  } else if (mode !== 'automatic') {
    const purpose = mode === 'email-activation' ? 'activation' : 'confirmation';
    events.push({
      type: 'EmailConfirmationRequested',
      data: { profileId: state.profileId, purpose, expiresAt: cmd.confirmationExpiresAt },
    });
  }
  return { events };
}

function signIn(cmd: Command<'SignIn'>, state: ProfileState): Decision {
  const failed = (reason: 'invalid-credentials' | 'not-activated' | 'erased'): ProfileEvent => ({
    type: 'SignInFailed',
    data: { profileId: state.profileId, reason },
  });
  if (state.kind === 'erased') return refused('INVALID_CREDENTIALS', failed('erased'));
  if (!isAccount(state) || !cmd.passwordValid) return refused('INVALID_CREDENTIALS', failed('invalid-credentials'));
  // The password changed between the check and now (a change or reset raced this sign-in):
  // what was verified is no longer the password, so it opens nothing and re-hashes nothing.
  if (state.passwordHash !== cmd.verifiedHash) return refused('INVALID_CREDENTIALS', failed('invalid-credentials'));
  if (state.kind === 'pending-activation') return refused('ACCOUNT_NOT_ACTIVATED', failed('not-activated'));
  const events: ProfileEvent[] = [];
  // Agreements sent with the sign-in count once the password is verified (changed ones only).
  const accepted = Object.fromEntries(Object.entries(cmd.agreements ?? {}).filter(([name, v]) => state.agreements[name] !== v));
  if (Object.keys(accepted).length > 0)
    events.push({ type: 'AccountUpdated', data: { profileId: state.profileId, changes: {}, agreements: accepted } });
  const agreements = { ...state.agreements, ...accepted };
  if ((cmd.requiredAgreements ?? []).some((name) => agreements[name] !== true)) return refused('TERMS_ACCEPTANCE_REQUIRED', ...events);
  if (cmd.rehashedPassword)
    events.push({ type: 'PasswordRehashed', data: { profileId: state.profileId, passwordHash: cmd.rehashedPassword } });
  events.push({
    type: 'SessionOpened',
    data: { profileId: state.profileId, sessionId: cmd.sessionId, deviceUuid: cmd.deviceUuid, expiresAt: cmd.sessionExpiresAt },
  });
  return { events };
}

/** Records the changed fields only; an update that changes nothing records nothing. */
function updateAccount(cmd: Command<'UpdateAccount'>, state: AccountState): Decision {
  const changes: ProfileFields = {};
  for (const key of PROFILE_FIELD_NAMES) {
    const value = cmd.changes[key];
    if (value !== undefined && value !== state.profile[key]) changes[key] = value;
  }
  const changedEntries = <T>(next: Record<string, T> | undefined, current: Record<string, T>) =>
    Object.fromEntries(Object.entries(next ?? {}).filter(([k, v]) => JSON.stringify(current[k]) !== JSON.stringify(v)));
  const agreements = changedEntries(cmd.agreements, state.agreements);
  const attributes = changedEntries(cmd.attributes, state.attributes);
  const hasAgreements = Object.keys(agreements).length > 0;
  const hasAttributes = Object.keys(attributes).length > 0;
  if (Object.keys(changes).length === 0 && !hasAgreements && !hasAttributes) return decided();
  return decided({
    type: 'AccountUpdated',
    data: {
      profileId: state.profileId,
      changes,
      ...(hasAgreements ? { agreements } : {}),
      ...(hasAttributes ? { attributes } : {}),
    },
  });
}

/** The pending change becomes the email; a newsletter choice made on the way is recorded with it. */
function confirmEmailChange(cmd: Command<'ConfirmEmailChange'>, state: ProfileState): Decision {
  if (state.kind !== 'active' || !state.emailChange || state.emailChange.expiresAt <= cmd.now) return refused('TOKEN_INVALID');
  const events: ProfileEvent[] = [
    { type: 'EmailChanged', data: { profileId: state.profileId, previousEmail: state.email, email: state.emailChange.newEmail } },
  ];
  const newsletter = cmd.newsletterAgreement;
  if (newsletter !== undefined && state.agreements.newsletter !== newsletter)
    events.push({ type: 'AccountUpdated', data: { profileId: state.profileId, changes: {}, agreements: { newsletter } } });
  return { events };
}

function closeSessions(state: ProfileState, sessionIds: string[], reason: SessionCloseReason, clock: Clock): ProfileEvent[] {
  return sessionIds.map((sessionId) => ({
    type: 'SessionClosed' as const,
    data: { profileId: state.profileId, sessionId, reason, closedAt: clock.now, forgetAfter: clock.tokensExpireBy },
  }));
}

/** The decider in emmett's shape: `{ decide, evolve, initialState }`. */
export const profileDecider = { decide, evolve, initialState: initialProfileState } as const;
