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
