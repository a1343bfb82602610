import {
  PROFILE_FIELD_NAMES,
  type Agreements,
  type Attributes,
  type EmailConfusable,
  type ProfileFields,
  type RegistrationMode,
  type ReplyError,
  type SessionCloseReason,
} from '@idstream/contracts';
import type { ProfileEvent } from './profile.events';
import { ProfileErrors } from './profile.errors';
import type { ProfileState } from './profile.state';

/**
 * The profile aggregate's decisions: pure functions of (state, command) that return the
 * events to record and, for an expected negative outcome, the error to answer. Some
 * failures still record events (a failed sign-in records SignInFailed). Time, ids and
 * password hashes arrive as arguments, so every decision is deterministic.
 */
export interface Decision {
  events: ProfileEvent[];
  error?: ReplyError;
}

const decided = (...events: ProfileEvent[]): Decision => ({ events });
const refused = (error: ReplyError, ...events: ProfileEvent[]): Decision => ({ events, error });

export interface Clock {
  /** ISO-8601 now. */
  now: string;
  /** ISO-8601: when the last access token issued now will have expired (now + max token TTL). */
  tokensExpireBy: string;
}

export function register(
  state: ProfileState,
  cmd: {
    email: string;
    passwordHash: string;
    profile: ProfileFields;
    agreements: Agreements;
    attributes: Attributes;
    deviceUuid: string | null;
    mode: RegistrationMode;
    confirmationExpiresAt: string;
    /** Set when the workspace flags (rather than refuses) confusable emails and this one is. */
    emailConfusable?: EmailConfusable | null;
  },
): Decision {
  if (state.kind === 'account' || state.kind === 'erased') return refused(ProfileErrors.emailTaken());
  // Attaching an account to a profile a backend imported would hand its data to whoever
  // typed the email: whatever the mode, the account waits for the mailed activation.
  const mode = state.kind === 'imported' ? 'email-activation' : cmd.mode;
  const status = mode === 'email-activation' ? 'pending-activation' : 'active';
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
  if (mode !== 'automatic') {
    events.push({
      type: 'EmailConfirmationRequested',
      data: {
        profileId: state.profileId,
        purpose: mode === 'email-activation' ? 'activation' : 'confirmation',
        expiresAt: cmd.confirmationExpiresAt,
      },
    });
  }
  return { events };
}

export function confirmEmail(state: ProfileState): Decision {
  if (state.kind !== 'account') return refused(ProfileErrors.tokenInvalid());
  if (state.emailConfirmed) return decided();
  return decided({ type: 'EmailConfirmed', data: { profileId: state.profileId, activated: state.accountStatus === 'pending-activation' } });
}

/** Resend: only an unconfirmed account gets a new mail; anything else answers the same, silently. */
export function requestConfirmation(state: ProfileState, cmd: { mode: RegistrationMode; expiresAt: string }): Decision {
  if (state.kind !== 'account' || state.emailConfirmed) return decided();
  const purpose = state.accountStatus === 'pending-activation' ? 'activation' : 'confirmation';
  if (purpose === 'confirmation' && cmd.mode === 'automatic') return decided();
  return decided({ type: 'EmailConfirmationRequested', data: { profileId: state.profileId, purpose, expiresAt: cmd.expiresAt } });
}

export function signIn(
  state: ProfileState,
  cmd: {
    passwordValid: boolean;
    /** The stored hash the password was checked against, outside the transaction. */
    verifiedHash: string | null;
    rehashedPassword: string | null;
    sessionId: string;
    deviceUuid: string | null;
    sessionExpiresAt: string;
  },
): Decision {
  const failed = (reason: 'invalid-credentials' | 'not-activated' | 'erased'): ProfileEvent => ({
    type: 'SignInFailed',
    data: { profileId: state.profileId, reason },
  });
  if (state.kind === 'erased') return refused(ProfileErrors.invalidCredentials(), failed('erased'));
  if (state.kind !== 'account' || !cmd.passwordValid) return refused(ProfileErrors.invalidCredentials(), failed('invalid-credentials'));
  // The password changed between the check and now (a change or reset raced this sign-in):
  // what was verified is no longer the password, so it opens nothing and re-hashes nothing.
  if (state.passwordHash !== cmd.verifiedHash) return refused(ProfileErrors.invalidCredentials(), failed('invalid-credentials'));
  if (state.accountStatus === 'pending-activation') return refused(ProfileErrors.notActivated(), failed('not-activated'));
  const events: ProfileEvent[] = [];
  if (cmd.rehashedPassword)
    events.push({ type: 'PasswordRehashed', data: { profileId: state.profileId, passwordHash: cmd.rehashedPassword } });
  events.push({
    type: 'SessionOpened',
    data: { profileId: state.profileId, sessionId: cmd.sessionId, deviceUuid: cmd.deviceUuid, expiresAt: cmd.sessionExpiresAt },
  });
  return { events };
}

/** A refresh records nothing; it only checks that the session is open and within its lifetime. */
export function refresh(state: ProfileState, cmd: { sessionId: string; now: string }): Decision {
  if (state.kind !== 'account') return refused(ProfileErrors.sessionClosed());
  const session = state.sessions[cmd.sessionId];
  if (!session) return refused(ProfileErrors.sessionClosed());
  if (session.expiresAt <= cmd.now) return refused(ProfileErrors.sessionExpired());
  return decided();
}

function closeSessions(state: ProfileState, sessionIds: string[], reason: SessionCloseReason, clock: Clock): ProfileEvent[] {
  return sessionIds.map((sessionId) => ({
    type: 'SessionClosed' as const,
    data: { profileId: state.profileId, sessionId, reason, closedAt: clock.now, forgetAfter: clock.tokensExpireBy },
  }));
}

/** Signing out of a session that is already closed changes nothing and is not an error. */
export function signOut(state: ProfileState, cmd: { sessionId: string }, clock: Clock): Decision {
  if (!state.sessions[cmd.sessionId]) return decided();
  return decided(...closeSessions(state, [cmd.sessionId], 'sign-out', clock));
}

/** Records the changed fields only; an update that changes nothing records nothing. */
export function updateAccount(
  state: ProfileState,
  cmd: { changes: ProfileFields; agreements?: Agreements; attributes?: Attributes },
): Decision {
  if (state.kind !== 'account') return refused(ProfileErrors.noAccount());
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

/** A new password closes every other session of the profile; the caller's stays open. */
export function changePassword(
  state: ProfileState,
  cmd: { currentPasswordValid: boolean; newPasswordHash: string; keepSessionId: string },
  clock: Clock,
): Decision {
  if (state.kind !== 'account') return refused(ProfileErrors.noAccount());
  if (!cmd.currentPasswordValid) return refused(ProfileErrors.invalidCredentials(403));
  const others = Object.keys(state.sessions).filter((sid) => sid !== cmd.keepSessionId);
  return decided(
    { type: 'PasswordChanged', data: { profileId: state.profileId, passwordHash: cmd.newPasswordHash } },
    ...closeSessions(state, others, 'password-changed', clock),
  );
}

export function requestPasswordReset(state: ProfileState, cmd: { expiresAt: string }): Decision {
  if (state.kind !== 'account') return decided();
  return decided({ type: 'PasswordResetRequested', data: { profileId: state.profileId, expiresAt: cmd.expiresAt } });
}

/** A reset closes every session of the profile. */
export function completePasswordReset(state: ProfileState, cmd: { newPasswordHash: string }, clock: Clock): Decision {
  if (state.kind !== 'account') return refused(ProfileErrors.tokenInvalid());
  return decided(
    { type: 'PasswordResetCompleted', data: { profileId: state.profileId, passwordHash: cmd.newPasswordHash } },
    ...closeSessions(state, Object.keys(state.sessions), 'password-reset', clock),
  );
}

/** Backend import: creates the profile, or updates its fields when it exists (upsert); never into an unconfirmed account. */
export function importProfile(
  state: ProfileState,
  cmd: { email: string | null; profile: ProfileFields; attributes: Attributes },
): Decision {
  if (state.kind === 'erased') return refused(ProfileErrors.profileNotFound());
  // Whoever registered an email they do not own would read what the backend attaches to it:
  // imported data waits until the account has confirmed its email.
  if (state.kind === 'account' && !state.emailConfirmed) return refused(ProfileErrors.emailNotConfirmed());
  return decided({
    type: 'ProfileImported',
    data: {
      profileId: state.profileId,
      email: state.email ?? cmd.email,
      profile: cmd.profile,
      attributes: cmd.attributes,
      created: state.kind === 'none',
    },
  });
}

export function recognizeClient(
  state: ProfileState,
  cmd: { uuid: string; matchedBy: 'email' | 'customId' | 'profileId'; previousProfileId: string | null },
): Decision {
  if (state.kind !== 'account' && state.kind !== 'imported') return refused(ProfileErrors.profileNotFound());
  // By email, as for imports: an address nobody confirmed does not prove whose device it is.
  if (cmd.matchedBy === 'email' && state.kind === 'account' && !state.emailConfirmed) return refused(ProfileErrors.emailNotConfirmed());
  if (cmd.previousProfileId === state.profileId) return decided();
  return decided({
    type: 'ClientRecognized',
    data: { profileId: state.profileId, uuid: cmd.uuid, matchedBy: cmd.matchedBy, previousProfileId: cmd.previousProfileId },
  });
}

/** Erasure closes every session and leaves a tombstone; erasing twice changes nothing. */
export function eraseProfile(state: ProfileState, clock: Clock): Decision {
  if (state.kind === 'none') return refused(ProfileErrors.profileNotFound());
  if (state.kind === 'erased') return decided();
  return decided(...closeSessions(state, Object.keys(state.sessions), 'erased', clock), {
    type: 'ProfileErased',
    data: { profileId: state.profileId, erasedAt: clock.now },
  });
}
