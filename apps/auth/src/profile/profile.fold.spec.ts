import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Clock, ProfileCommand } from './profile.commands';
import { decide } from './profile.decider';
import type { RecordedProfileEvent } from './profile.events';
import { evolve, fold, initialProfileState, type ProfileState, type RecordedAt } from './profile.state';

// The snapshot is a cache: after every command of a random sequence, the fold of the whole
// stream equals the state kept incrementally and stored as JSON (what auth.profiles holds).
const sessionId = fc.constantFrom('s1', 's2', 's3');
const device = fc.constantFrom('d1', 'd2', null);
const mode = fc.constantFrom(
  'automatic' as const,
  'email-confirmation' as const,
  'email-activation' as const,
  'email-pin-activation' as const,
);
const name = fc.constantFrom('Ann', 'Bob', 'Eve');
const hash = fc.constantFrom('H1', 'H2', 'H3');
const at = (step: number) => new Date(Date.UTC(2026, 0, 1) + step * 60_000).toISOString();
const clockAt = (step: number): Clock => ({ now: at(step), tokensExpireBy: at(step + 60) });

/** A command made at `step` (its times derive from the step, as a handler's come from now). */
type Step = (step: number, state: ProfileState) => ProfileCommand;
const command: fc.Arbitrary<Step> = fc.oneof(
  fc
    .record({ mode, passwordHash: hash, firstName: name, customId: fc.constantFrom('c1', 'c2'), deviceUuid: device })
    .map((c): Step => (step) => ({
      type: 'RegisterAccount',
      email: 'ann@example.com',
      passwordHash: c.passwordHash,
      profile: { firstName: c.firstName, customId: c.customId },
      agreements: { email: true },
      attributes: { plan: c.firstName },
      deviceUuid: c.deviceUuid,
      mode: c.mode,
      confirmationExpiresAt: at(step + 1440),
      pinExpiresAt: at(step + 15),
    })),
  fc.constant((): ProfileCommand => ({ type: 'ConfirmEmail' })),
  fc.constant((): ProfileCommand => ({ type: 'ActivateWithPin' })),
  device.map((d): Step => (step) => ({ type: 'RequestActivationPin', deviceUuid: d ?? 'd1', expiresAt: at(step + 15) })),
  mode.map((m): Step => (step) => ({ type: 'RequestConfirmation', mode: m, expiresAt: at(step + 1440) })),
  fc
    .record({
      sessionId,
      deviceUuid: device,
      passwordValid: fc.boolean(),
      rehash: fc.option(hash),
      lifetime: fc.integer({ min: 1, max: 30 }),
    })
    .map((c): Step => (step, state) => ({
      type: 'SignIn',
      passwordValid: c.passwordValid,
      verifiedHash: state.kind === 'active' || state.kind === 'pending-activation' ? state.passwordHash : null,
      rehashedPassword: c.rehash,
      sessionId: `${c.sessionId}-${step}`,
      deviceUuid: c.deviceUuid,
      sessionExpiresAt: at(step + c.lifetime),
    })),
  sessionId.map((sid): Step => (step, state) => ({ type: 'SignOut', sessionId: firstSession(state) ?? sid, clock: clockAt(step) })),
  fc.record({ lastName: name, customId: fc.constantFrom('c1', 'c2', 'c3'), sms: fc.boolean() }).map((c): Step => (_step, state) => ({
    type: 'UpdateAccount',
    sessionId: firstSession(state) ?? 'none',
    changes: { lastName: c.lastName, customId: c.customId },
    agreements: { sms: c.sms },
  })),
  hash.map((h): Step => (step, state) => ({
    type: 'ChangePassword',
    verifiedHash: state.kind === 'active' ? state.passwordHash : null,
    newPasswordHash: h,
    keepSessionId: firstSession(state) ?? 'none',
    clock: clockAt(step),
  })),
  fc.constant((step: number): ProfileCommand => ({ type: 'RequestPasswordReset', expiresAt: at(step + 60) })),
  hash.map((h): Step => (step) => ({ type: 'CompletePasswordReset', newPasswordHash: h, clock: clockAt(step) })),
  fc
    .record({ email: fc.option(fc.constant('ann@example.com')), company: name })
    .map((c): Step => () => ({ type: 'ImportProfile', email: c.email, profile: { company: c.company }, attributes: { source: 'crm' } })),
  fc
    .record({ uuid: fc.constantFrom('d1', 'd2', 'd3'), previous: fc.constantFrom(null, 'p0', 'p1') })
    .map((c): Step => () => ({ type: 'RecognizeClient', uuid: c.uuid, matchedBy: 'email', previousProfileId: c.previous })),
  fc.constant((step: number): ProfileCommand => ({ type: 'EraseProfile', clock: clockAt(step) })),
);

function firstSession(state: ProfileState): string | undefined {
  return state.kind === 'active' ? Object.keys(state.sessions)[0] : undefined;
}

/** What auth.events keeps of a stream after an erasure: the personal events as `{ profileId, redacted: true }`. */
const PERSONAL = new Set([
  'UserRegistered',
  'ProfileImported',
  'AccountUpdated',
  'PasswordChanged',
  'PasswordRehashed',
  'PasswordResetCompleted',
]);
const redacted = (event: RecordedProfileEvent): RecordedProfileEvent =>
  PERSONAL.has(event.type) ? { type: 'Redacted', data: { profileId: 'p1', redactedType: event.type } } : event;
const redact = (stream: RecordedAt[]): RecordedAt[] => stream.map(({ event, occurredAt }) => ({ occurredAt, event: redacted(event) }));

describe('profile fold', () => {
  it('fold(all events) equals the stored snapshot after every command of a random sequence', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (steps) => {
        const stream: RecordedAt[] = [];
        let snapshot: ProfileState = initialProfileState('p1');
        steps.forEach((make, step) => {
          const { events } = decide(make(step, snapshot), snapshot);
          const occurredAt = at(step);
          for (const event of events) stream.push({ event, occurredAt });
          // The snapshot goes through JSON as auth.profiles stores it, and the next command decides on it.
          snapshot = JSON.parse(JSON.stringify(events.reduce((s, e) => evolve(s, e, occurredAt), snapshot))) as ProfileState;
          assert.deepEqual(fold(initialProfileState('p1'), stream), snapshot);
        });
        // An erased stream, redacted as auth stores it, still folds to the erased state.
        if (snapshot.kind === 'erased') assert.deepEqual(fold(initialProfileState('p1'), redact(stream)), snapshot);
      }),
      { numRuns: 300, seed: 20260101 },
    );
  });

  it('folds a redacted stream to the erased state and the tombstone refuses every command that needs an account', () => {
    const stream = redact([
      {
        occurredAt: at(0),
        event: {
          type: 'ProfileImported',
          data: { profileId: 'p1', email: 'a@b.c', profile: { customId: 'c' }, attributes: {}, created: true },
        },
      },
      { occurredAt: at(1), event: { type: 'AccountUpdated', data: { profileId: 'p1', changes: { firstName: 'Ann' } } } },
      { occurredAt: at(2), event: { type: 'ProfileErased', data: { profileId: 'p1', erasedAt: at(2) } } },
    ]);
    const state = fold(initialProfileState('p1'), stream);
    assert.deepEqual(state, { kind: 'erased', profileId: 'p1', erasedAt: at(2) });
    assert.equal(decide({ type: 'ImportProfile', email: 'a@b.c', profile: {}, attributes: {} }, state).refusal, 'PROFILE_NOT_FOUND');
  });
});

// `fold` changes its own copies of the sessions and devices in place (profile.state.ts,
// FoldDraft); `evolve` copies. On any stream, also one no command sequence would record (times
// out of order, expiries in the past, ids reopened or closed twice, "__proto__"), both give the
// same state with its keys in the same order, and the fold changes neither its start nor the events.
const rawSession = fc.constantFrom('s1', 's2', 's3', 's4', '__proto__', '7');
const rawDevice = fc.constantFrom('d1', 'd2', 'd3', null);
const minute = fc.integer({ min: 0, max: 40 });
const rawEvent: fc.Arbitrary<RecordedAt> = fc
  .record({
    // Mostly sessions: an erasure ends what the stream can change, so it is rare.
    kind: fc.oneof(
      { arbitrary: fc.constant('open'), weight: 30 },
      { arbitrary: fc.constant('close'), weight: 20 },
      { arbitrary: fc.constantFrom('register', 'confirm', 'update'), weight: 9 },
      { arbitrary: fc.constant('recognize'), weight: 5 },
      { arbitrary: fc.constant('erase'), weight: 1 },
    ),
    sessionId: rawSession,
    deviceUuid: rawDevice,
    at: minute,
    expiresAt: minute,
    activation: fc.boolean(),
  })
  .map(({ kind, sessionId, deviceUuid, at: when, expiresAt, activation }): RecordedAt => {
    const profileId = 'p1';
    const event = ((): RecordedProfileEvent => {
      switch (kind) {
        case 'open':
          return { type: 'SessionOpened', data: { profileId, sessionId, deviceUuid, expiresAt: at(expiresAt) } };
        case 'close':
          return {
            type: 'SessionClosed',
            data: { profileId, sessionId, reason: 'sign-out', closedAt: at(when), forgetAfter: at(when + 60) },
          };
        case 'register':
          return {
            type: 'UserRegistered',
            data: {
              profileId,
              email: 'ann@example.com',
              profile: {},
              agreements: {},
              attributes: {},
              deviceUuid,
              registrationMode: activation ? 'email-activation' : 'automatic',
              status: activation ? 'pending-activation' : 'active',
              emailConfirmed: false,
              attachedToImportedProfile: false,
              passwordHash: 'H1',
            },
          };
        case 'confirm':
          return { type: 'EmailConfirmed', data: { profileId, activated: activation } };
        case 'recognize':
          return { type: 'ClientRecognized', data: { profileId, uuid: deviceUuid ?? 'd4', matchedBy: 'email', previousProfileId: null } };
        case 'update':
          return { type: 'AccountUpdated', data: { profileId, changes: { lastName: sessionId } } };
        case 'erase':
          return { type: 'ProfileErased', data: { profileId, erasedAt: at(when) } };
      }
    })();
    return { event, occurredAt: at(when) };
  });

/** Every object under `value` frozen: a change to it throws (the specs compile as strict code). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const evolved = (from: ProfileState, events: readonly RecordedAt[]): ProfileState =>
  events.reduce((state, { event, occurredAt }) => evolve(state, event, occurredAt), from);

/** `count` sessions whose `expiresAt` counts its reads into `reads.n`. */
function countedSessions(count: number, reads: { n: number }): Record<string, { expiresAt: string; deviceUuid: string | null }> {
  const sessions: Record<string, { expiresAt: string; deviceUuid: string | null }> = {};
  for (let i = 0; i < count; i++) {
    const expiresAt = at(100_000 + i);
    sessions[`old-${i}`] = {
      get expiresAt() {
        reads.n++;
        return expiresAt;
      },
      deviceUuid: null,
    };
  }
  return sessions;
}

const activeAccount = (sessions: Record<string, { expiresAt: string; deviceUuid: string | null }>, devices: string[]): ProfileState => ({
  kind: 'active',
  profileId: 'p1',
  email: 'ann@example.com',
  passwordHash: 'H1',
  externalIdentities: [],
  customId: null,
  profile: {},
  agreements: {},
  attributes: {},
  devices,
  createdAt: at(0),
  updatedAt: at(0),
  emailConfirmed: true,
  sessions,
});

describe('profile fold, in place', () => {
  it('equals evolve event by event on random streams, keys in the same order, its start and events unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(rawEvent, { maxLength: 30, size: 'max' }),
        fc.array(rawEvent, { maxLength: 60, size: 'max' }),
        fc.boolean(),
        (before, after, viaJson) => {
          // The start: the initial state, or the fold of a first part as a snapshot (maybe through JSON).
          const start = evolved(initialProfileState('p1'), before);
          const from = deepFreeze(viaJson ? (JSON.parse(JSON.stringify(start)) as ProfileState) : start);
          deepFreeze(after);
          const expected = evolved(from, after);
          const folded = fold(from, after);
          assert.deepEqual(folded, expected);
          assert.equal(JSON.stringify(folded), JSON.stringify(expected));
          // And on: a fold's result is a start like any other.
          assert.deepEqual(fold(folded, after), evolved(expected, after));
        },
      ),
      { numRuns: 500, seed: 20261201 },
    );
  });

  it('reads each open session of its start once, not once per event (the copy per event was quadratic)', () => {
    const reads = { n: 0 };
    const open = 300;
    const from = deepFreeze(activeAccount(countedSessions(open, reads), []));
    reads.n = 0; // (deepFreeze read them)
    const events: RecordedAt[] = [];
    for (let i = 0; i < 300; i++) {
      events.push({
        occurredAt: at(i),
        event: { type: 'SessionOpened', data: { profileId: 'p1', sessionId: `new-${i}`, deviceUuid: null, expiresAt: at(i + 50) } },
      });
      if (i % 3 === 0)
        events.push({
          occurredAt: at(i),
          event: {
            type: 'SessionClosed',
            data: { profileId: 'p1', sessionId: `old-${i}`, reason: 'sign-out', closedAt: at(i), forgetAfter: at(i + 60) },
          },
        });
    }
    const state = fold(from, events);
    assert.equal(state.kind, 'active');
    // 300 old ones less the 100 closed, and the new ones not yet past their 50 minutes.
    assert.equal(Object.keys(state.kind === 'active' ? state.sessions : {}).length, 200 + 50);
    // Once each, to queue them by expiry; the copying evolve read them 400 times each (every
    // SessionOpened and SessionClosed prunes).
    assert.ok(reads.n <= open, `${reads.n} reads of ${open} sessions' expiresAt`);
  });

  it('looks up the devices of its start once, not once per event', () => {
    let reads = 0;
    const known = Array.from({ length: 300 }, (_, i) => `d${i}`);
    Object.freeze(known);
    const devices = new Proxy(known, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const from = activeAccount({}, devices);
    // Each sign-in from a device the profile knows (the last one, so a scan reads them all).
    const events: RecordedAt[] = Array.from({ length: 300 }, (_, i) => ({
      occurredAt: at(i),
      event: { type: 'SessionOpened', data: { profileId: 'p1', sessionId: `s${i}`, deviceUuid: 'd299', expiresAt: at(i + 1) } },
    }));
    const state = fold(from, events);
    assert.deepEqual(state.kind === 'active' ? state.devices : [], known);
    assert.ok(reads <= 2 * known.length, `${reads} reads of ${known.length} devices`);
  });
});
