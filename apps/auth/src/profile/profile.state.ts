import type { Agreements, Attributes, ProfileFields } from '@idstream/contracts';
import type { RecordedProfileEvent } from './profile.events';

/**
 * The shape of a stored snapshot (`auth.profiles.snapshot_version`). Bump it whenever
 * `ProfileState` or `evolve` changes: snapshots written by older code are then ignored and
 * the stream is folded again.
 */
export const PROFILE_SNAPSHOT_VERSION = 2;

export interface OpenSession {
  /** ISO-8601: the session's max lifetime ends here. */
  expiresAt: string;
  deviceUuid: string | null;
}

/** What every existing, not erased profile has. */
interface ProfileData {
  profileId: string;
  customId: string | null;
  profile: ProfileFields;
  agreements: Agreements;
  attributes: Attributes;
  devices: string[];
  createdAt: string;
  updatedAt: string;
}

/** No event yet: the id is free. */
export interface NoProfile {
  kind: 'none';
  profileId: string;
}

/** A backend imported the customer; nobody can sign in to it. */
export interface ImportedProfile extends ProfileData {
  kind: 'imported';
  email: string | null;
}

/** An external identity a profile signs in with (ExternalIdentityLinked). */
export interface LinkedIdentity {
  provider: string;
  issuer: string;
  subject: string;
}

interface AccountData extends ProfileData {
  email: string;
  /** Null for an account created by an external sign-in: it has no password. */
  passwordHash: string | null;
  externalIdentities: LinkedIdentity[];
}

/** Registered, waiting for the mailed activation: no session can be open, the email is not confirmed. */
export interface PendingActivation extends AccountData {
  kind: 'pending-activation';
}

/** Can sign in; the email may still wait for its confirmation (email-confirmation mode). */
export interface ActiveAccount extends AccountData {
  kind: 'active';
  emailConfirmed: boolean;
  sessions: Record<string, OpenSession>;
  /** A requested email change waiting for the token mailed to `newEmail`. */
  emailChange?: { newEmail: string; expiresAt: string };
}

/**
 * A tombstone: the id and the erasure time, nothing personal. (No creation time either: the
 * redacted stream no longer tells it, and the fold of that stream must equal this state.)
 */
export interface ErasedProfile {
  kind: 'erased';
  profileId: string;
  erasedAt: string;
}

/** What auth knows of one profile to decide commands on it: one kind at a time. */
export type ProfileState = NoProfile | ImportedProfile | PendingActivation | ActiveAccount | ErasedProfile;
export type AccountState = PendingActivation | ActiveAccount;

export const initialProfileState = (profileId: string): ProfileState => ({ kind: 'none', profileId });

export const isAccount = (state: ProfileState): state is AccountState => state.kind === 'active' || state.kind === 'pending-activation';

/** Whether an account confirmed its email (a pending activation has not, by its kind). */
export const emailConfirmed = (state: ProfileState): boolean => state.kind === 'active' && state.emailConfirmed;

/** Whether the profile signs in with the identity (issuer, subject). */
export const hasIdentity = (state: ProfileState, issuer: string, subject: string): boolean =>
  isAccount(state) && state.externalIdentities.some((i) => i.issuer === issuer && i.subject === subject);

/** The open sessions of a profile (only an active account has any). */
export const sessionsOf = (state: ProfileState): Record<string, OpenSession> => (state.kind === 'active' ? state.sessions : {});

const withDevice = (devices: string[], uuid: string | null): string[] =>
  uuid === null || devices.includes(uuid) ? devices : [...devices, uuid];

/** Drops sessions past their max lifetime, so the state stays small. */
function liveSessions(sessions: Record<string, OpenSession>, at: string): Record<string, OpenSession> {
  return Object.fromEntries(Object.entries(sessions).filter(([, s]) => s.expiresAt > at));
}

/**
 * Folds one recorded event into the state. Never throws: a recorded event is a fact, and one
 * that does not fit the state's kind (which `decide` never produces) leaves the state as it is.
 */
export function evolve(state: ProfileState, event: RecordedProfileEvent, occurredAt: string): ProfileState {
  switch (event.type) {
    case 'UserRegistered': {
      if (state.kind !== 'none' && state.kind !== 'imported') return state;
      const d = event.data;
      const known = state.kind === 'imported' ? state : null;
      const account: AccountData = {
        profileId: state.profileId,
        email: d.email,
        passwordHash: d.passwordHash,
        externalIdentities: [],
        customId: d.profile.customId ?? known?.customId ?? null,
        profile: { ...known?.profile, ...d.profile },
        agreements: { ...known?.agreements, ...d.agreements },
        attributes: { ...known?.attributes, ...d.attributes },
        devices: withDevice(known?.devices ?? [], d.deviceUuid),
        createdAt: known?.createdAt ?? occurredAt,
        updatedAt: occurredAt,
      };
      return d.status === 'pending-activation'
        ? { ...account, kind: 'pending-activation' }
        : { ...account, kind: 'active', emailConfirmed: d.emailConfirmed, sessions: {} };
    }
    case 'ProfileImported': {
      const d = event.data;
      if (state.kind === 'erased') return state;
      if (state.kind === 'none')
        return {
          kind: 'imported',
          profileId: state.profileId,
          email: d.email,
          customId: d.profile.customId ?? null,
          profile: { ...d.profile },
          agreements: {},
          attributes: { ...d.attributes },
          devices: [],
          createdAt: occurredAt,
          updatedAt: occurredAt,
        };
      const imported = {
        ...state,
        customId: d.profile.customId ?? state.customId,
        profile: { ...state.profile, ...d.profile },
        attributes: { ...state.attributes, ...d.attributes },
        updatedAt: occurredAt,
      };
      return imported.kind === 'imported' ? { ...imported, email: state.email ?? d.email } : imported;
    }
    case 'EmailConfirmed':
      if (state.kind === 'pending-activation')
        return { ...state, kind: 'active', emailConfirmed: true, sessions: {}, updatedAt: occurredAt };
      if (state.kind === 'active') return { ...state, emailConfirmed: true, updatedAt: occurredAt };
      return state;
    case 'SessionOpened': {
      if (state.kind !== 'active') return state;
      const d = event.data;
      return {
        ...state,
        sessions: { ...liveSessions(state.sessions, occurredAt), [d.sessionId]: { expiresAt: d.expiresAt, deviceUuid: d.deviceUuid } },
        devices: withDevice(state.devices, d.deviceUuid),
        updatedAt: occurredAt,
      };
    }
    case 'SessionClosed': {
      if (state.kind !== 'active') return state;
      const { [event.data.sessionId]: _closed, ...rest } = state.sessions;
      return { ...state, sessions: liveSessions(rest, occurredAt) };
    }
    case 'AccountUpdated': {
      if (state.kind === 'none' || state.kind === 'erased') return state;
      const d = event.data;
      return {
        ...state,
        customId: d.changes.customId ?? state.customId,
        profile: { ...state.profile, ...d.changes },
        agreements: { ...state.agreements, ...(d.agreements ?? {}) },
        attributes: { ...state.attributes, ...(d.attributes ?? {}) },
        updatedAt: occurredAt,
      };
    }
    case 'PasswordChanged':
    case 'PasswordRehashed':
    case 'PasswordResetCompleted':
      return isAccount(state) ? { ...state, passwordHash: event.data.passwordHash, updatedAt: occurredAt } : state;
    case 'ExternalIdentityLinked': {
      if (!isAccount(state)) return state;
      const { provider, issuer, subject } = event.data;
      if (hasIdentity(state, issuer, subject)) return state;
      return { ...state, externalIdentities: [...state.externalIdentities, { provider, issuer, subject }], updatedAt: occurredAt };
    }
    case 'ClientRecognized':
      if (state.kind === 'none' || state.kind === 'erased') return state;
      return { ...state, devices: withDevice(state.devices, event.data.uuid), updatedAt: occurredAt };
    case 'ProfileErased':
      return { kind: 'erased', profileId: state.profileId, erasedAt: occurredAt };
    case 'EmailChangeRequested':
      // A change to a taken address records the request (and its notice) but waits for nothing.
      if (state.kind !== 'active' || event.data.newEmailTaken) return state;
      return { ...state, emailChange: { newEmail: event.data.newEmail, expiresAt: event.data.expiresAt } };
    case 'EmailChanged': {
      if (state.kind !== 'active') return state;
      const { emailChange: _done, ...rest } = state;
      return { ...rest, email: event.data.email, emailConfirmed: true, updatedAt: occurredAt };
    }
    case 'EmailConfirmationRequested':
    case 'PasswordResetRequested':
    case 'SignInFailed':
      return state;
    case 'Redacted':
      // The personal data is gone; the ProfileErased recorded with the redaction ends the stream.
      return state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** A recorded event with the time it happened (its envelope's `occurredAt`). */
export interface RecordedAt {
  event: RecordedProfileEvent;
  occurredAt: string;
}

/** The state of a stream: `evolve` over its events, from `from` (the initial state or a snapshot). */
export const fold = (from: ProfileState, events: readonly RecordedAt[]): ProfileState =>
  events.reduce((state, { event, occurredAt }) => evolve(state, event, occurredAt), from);
