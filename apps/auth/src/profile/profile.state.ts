import type { Agreements, Attributes, ProfileFields } from '@idstream/contracts';
import type { ProfileEvent } from './profile.events';

export interface OpenSession {
  /** ISO-8601: the session's max lifetime ends here. */
  expiresAt: string;
  deviceUuid: string | null;
}

/** What auth knows of one profile to decide commands on it. */
export interface ProfileState {
  /** none: no such profile; imported: a backend created it, no account; account: registered; erased. */
  kind: 'none' | 'imported' | 'account' | 'erased';
  profileId: string;
  email: string | null;
  customId: string | null;
  accountStatus: 'active' | 'pending-activation' | null;
  emailConfirmed: boolean;
  passwordHash: string | null;
  profile: ProfileFields;
  agreements: Agreements;
  attributes: Attributes;
  sessions: Record<string, OpenSession>;
  devices: string[];
  createdAt: string | null;
  updatedAt: string | null;
}

export const initialProfileState = (profileId: string): ProfileState => ({
  kind: 'none',
  profileId,
  email: null,
  customId: null,
  accountStatus: null,
  emailConfirmed: false,
  passwordHash: null,
  profile: {},
  agreements: {},
  attributes: {},
  sessions: {},
  devices: [],
  createdAt: null,
  updatedAt: null,
});

const withDevice = (devices: string[], uuid: string | null): string[] =>
  uuid === null || devices.includes(uuid) ? devices : [...devices, uuid];

/** Drops sessions past their max lifetime, so the state stays small. */
function liveSessions(sessions: Record<string, OpenSession>, at: string): Record<string, OpenSession> {
  return Object.fromEntries(Object.entries(sessions).filter(([, s]) => s.expiresAt > at));
}

/** Folds one recorded event into the state. Never throws: a recorded event is a fact. */
export function evolve(state: ProfileState, event: ProfileEvent, occurredAt: string): ProfileState {
  const touched = { ...state, updatedAt: occurredAt };
  switch (event.type) {
    case 'UserRegistered': {
      const d = event.data;
      return {
        ...touched,
        kind: 'account',
        email: d.email,
        customId: d.profile.customId ?? state.customId,
        accountStatus: d.status,
        emailConfirmed: d.emailConfirmed,
        passwordHash: d.passwordHash,
        profile: { ...state.profile, ...d.profile },
        agreements: { ...state.agreements, ...d.agreements },
        attributes: { ...state.attributes, ...d.attributes },
        devices: withDevice(state.devices, d.deviceUuid),
        createdAt: state.createdAt ?? occurredAt,
      };
    }
    case 'ProfileImported': {
      const d = event.data;
      return {
        ...touched,
        kind: state.kind === 'none' ? 'imported' : state.kind,
        email: state.email ?? d.email,
        customId: d.profile.customId ?? state.customId,
        profile: { ...state.profile, ...d.profile },
        attributes: { ...state.attributes, ...d.attributes },
        createdAt: state.createdAt ?? occurredAt,
      };
    }
    case 'EmailConfirmed':
      return { ...touched, emailConfirmed: true, accountStatus: state.accountStatus === null ? null : 'active' };
    case 'SessionOpened':
      return {
        ...touched,
        sessions: {
          ...liveSessions(state.sessions, occurredAt),
          [event.data.sessionId]: { expiresAt: event.data.expiresAt, deviceUuid: event.data.deviceUuid },
        },
        devices: withDevice(state.devices, event.data.deviceUuid),
      };
    case 'SessionClosed': {
      const { [event.data.sessionId]: _closed, ...rest } = state.sessions;
      return { ...state, sessions: liveSessions(rest, occurredAt) };
    }
    case 'AccountUpdated':
      return {
        ...touched,
        customId: event.data.changes.customId ?? state.customId,
        profile: { ...state.profile, ...event.data.changes },
        agreements: { ...state.agreements, ...(event.data.agreements ?? {}) },
        attributes: { ...state.attributes, ...(event.data.attributes ?? {}) },
      };
    case 'PasswordChanged':
    case 'PasswordRehashed':
    case 'PasswordResetCompleted':
      return { ...touched, passwordHash: event.data.passwordHash };
    case 'ClientRecognized':
      return { ...touched, devices: withDevice(state.devices, event.data.uuid) };
    case 'ProfileErased':
      return { ...initialProfileState(state.profileId), kind: 'erased', createdAt: state.createdAt, updatedAt: occurredAt };
    case 'EmailConfirmationRequested':
    case 'PasswordResetRequested':
    case 'SignInFailed':
      return state;
    default: {
      const never: never = event;
      return never;
    }
  }
}
