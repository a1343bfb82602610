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
 * How `evolve` changes the parts of the state that grow with the stream: the open sessions
 * (pruned of those past their lifetime at every SessionOpened and SessionClosed) and the
 * devices. `evolve` copies them, so whoever holds a state sees it unchanged; `fold` changes in
 * place the copies it made itself (`FoldDraft`), so that a stream of N open sessions folds in
 * O(N log N), not O(N²). Both give the same state, keys in the same order (a property test).
 */
interface Growth {
  /** The sessions within their lifetime at `at`, with `sessionId` (re)opened. */
  opened(sessions: Record<string, OpenSession>, sessionId: string, session: OpenSession, at: string): Record<string, OpenSession>;
  /** The sessions within their lifetime at `at`, without `sessionId`. */
  closed(sessions: Record<string, OpenSession>, sessionId: string, at: string): Record<string, OpenSession>;
  /** The devices with `uuid` at the end, unless null or already there. */
  withDevice(devices: string[], uuid: string | null): string[];
}

const copying: Growth = {
  opened: (sessions, sessionId, session, at) => ({ ...liveSessions(sessions, at), [sessionId]: session }),
  closed: (sessions, sessionId, at) => {
    const { [sessionId]: _closed, ...rest } = sessions;
    return liveSessions(rest, at);
  },
  withDevice,
};

/**
 * Folds one recorded event into the state. Never throws: a recorded event is a fact, and one
 * that does not fit the state's kind (which `decide` never produces) leaves the state as it is.
 */
export function evolve(state: ProfileState, event: RecordedProfileEvent, occurredAt: string): ProfileState {
  return evolveWith(copying, state, event, occurredAt);
}

function evolveWith(growth: Growth, state: ProfileState, event: RecordedProfileEvent, occurredAt: string): ProfileState {
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
        devices: growth.withDevice(known?.devices ?? [], d.deviceUuid),
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
        sessions: growth.opened(state.sessions, d.sessionId, { expiresAt: d.expiresAt, deviceUuid: d.deviceUuid }, occurredAt),
        devices: growth.withDevice(state.devices, d.deviceUuid),
        updatedAt: occurredAt,
      };
    }
    case 'SessionClosed': {
      if (state.kind !== 'active') return state;
      return { ...state, sessions: growth.closed(state.sessions, event.data.sessionId, occurredAt) };
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
      return { ...state, devices: growth.withDevice(state.devices, event.data.uuid), updatedAt: occurredAt };
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

/**
 * The state of a stream: `evolve` over its events, from `from` (the initial state or a
 * snapshot), with the same result. Neither `from` nor the events are changed: the fold works
 * on its own copies of the sessions and devices (`FoldDraft`), one of each per fold rather
 * than one per event, so an event costs O(log N) in the N open sessions instead of a copy of
 * them (which made folding 2,000 open sessions take seconds).
 */
export function fold(from: ProfileState, events: readonly RecordedAt[]): ProfileState {
  const draft = new FoldDraft();
  let state = from;
  for (const { event, occurredAt } of events) state = evolveWith(draft, state, event, occurredAt);
  return state;
}

/** A session in the expiry queue; it is stale once its id no longer maps to `session` (closed, pruned or reopened). */
interface Expiry {
  /** `expiresAt` (`expiryOf`). */
  at: string;
  sessionId: string;
  session: OpenSession;
}

/**
 * The fold's own session map and devices, changed in place. A map or array the fold did not
 * make (the snapshot's, or one from before the last copy) is copied once before its first
 * change. Sessions leave in expiry order from a binary min-heap: a prune at `at` pops every
 * entry that `liveSessions` would drop (`!(expiresAt > at)`, whatever the order of the
 * stream's times), so each session costs O(log N) to enter and to leave. Entries of sessions
 * closed before they expire stay in the heap until popped, or until they outnumber the open
 * sessions and the heap is rebuilt (amortised O(1) per event).
 */
class FoldDraft implements Growth {
  private sessions: Record<string, OpenSession> | null = null;
  private open = 0;
  private heap: Expiry[] = [];
  /** The devices array last seen, its members, and whether the fold made it (so may push onto it). */
  private devices: string[] | null = null;
  private members = new Set<string>();
  private devicesOwned = false;

  opened(sessions: Record<string, OpenSession>, sessionId: string, session: OpenSession, at: string): Record<string, OpenSession> {
    const own = this.own(sessions);
    this.prune(own, at);
    if (!Object.hasOwn(own, sessionId)) this.open++;
    // In place when the id is there, else at the end, as `{ ...live, [id]: session }` does; an
    // own property even for "__proto__" (an assignment would set the prototype).
    if (sessionId === '__proto__')
      Object.defineProperty(own, sessionId, { value: session, writable: true, enumerable: true, configurable: true });
    else own[sessionId] = session;
    this.push({ at: expiryOf(session), sessionId, session });
    this.compact(own);
    return own;
  }

  closed(sessions: Record<string, OpenSession>, sessionId: string, at: string): Record<string, OpenSession> {
    const own = this.own(sessions);
    if (Object.hasOwn(own, sessionId)) {
      delete own[sessionId];
      this.open--;
    }
    this.prune(own, at);
    this.compact(own);
    return own;
  }

  withDevice(devices: string[], uuid: string | null): string[] {
    if (uuid === null) return devices;
    if (devices !== this.devices) {
      this.devices = devices;
      this.members = new Set(devices);
      this.devicesOwned = false;
    }
    if (this.members.has(uuid)) return devices;
    if (!this.devicesOwned) {
      this.devices = [...devices];
      this.devicesOwned = true;
    }
    this.devices.push(uuid);
    this.members.add(uuid);
    return this.devices;
  }

  private own(sessions: Record<string, OpenSession>): Record<string, OpenSession> {
    if (sessions === this.sessions) return sessions;
    const copy = { ...sessions };
    this.sessions = copy;
    this.rebuild(copy);
    return copy;
  }

  private prune(own: Record<string, OpenSession>, at: string): void {
    while (this.heap.length > 0 && !(this.heap[0]!.at > at)) {
      const { sessionId, session } = this.pop();
      if (Object.hasOwn(own, sessionId) && own[sessionId] === session) {
        delete own[sessionId];
        this.open--;
      }
    }
  }

  private compact(own: Record<string, OpenSession>): void {
    if (this.heap.length > 2 * this.open + 64) this.rebuild(own);
  }

  private rebuild(own: Record<string, OpenSession>): void {
    const ids = Object.keys(own);
    this.open = ids.length;
    this.heap = ids.map((sessionId) => ({ at: expiryOf(own[sessionId]!), sessionId, session: own[sessionId]! }));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private push(entry: Expiry): void {
    const heap = this.heap;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!(heap[i]!.at < heap[parent]!.at)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Expiry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left]!.at < heap[least]!.at) least = left;
      if (right < heap.length && heap[right]!.at < heap[least]!.at) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

/**
 * The heap's key: `expiresAt`, a string in every state the code writes; anything else (a
 * damaged snapshot row) sorts first and leaves at the next prune, as `liveSessions` drops it.
 */
function expiryOf(session: OpenSession): string {
  const at: unknown = session.expiresAt;
  return typeof at === 'string' ? at : '';
}
