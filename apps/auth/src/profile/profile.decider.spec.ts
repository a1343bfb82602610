import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as decide from './profile.decider';
import type { ProfileEvent } from './profile.events';
import { toPublicData } from './profile.public';
import { evolve, initialProfileState, type ProfileState } from './profile.state';

// given: events → state; when: a decision; then: the events it records (and its error).
const T0 = '2026-01-01T00:00:00.000Z';
const clock: decide.Clock = { now: '2026-01-02T00:00:00.000Z', tokensExpireBy: '2026-01-03T00:00:00.000Z' };
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));

const registered = (status: 'active' | 'pending-activation' = 'active'): ProfileEvent => ({
  type: 'UserRegistered',
  data: {
    profileId: 'p1',
    email: 'Ann@Example.com',
    profile: { firstName: 'Ann' },
    agreements: { email: true },
    attributes: {},
    deviceUuid: 'd1',
    registrationMode: status === 'active' ? 'automatic' : 'email-activation',
    status,
    emailConfirmed: false,
    attachedToImportedProfile: false,
    passwordHash: 'HASH',
  },
});
const opened = (sessionId: string, expiresAt = '2027-01-01T00:00:00.000Z'): ProfileEvent => ({
  type: 'SessionOpened',
  data: { profileId: 'p1', sessionId, deviceUuid: 'd1', expiresAt },
});
const registerCmd = (mode: 'automatic' | 'email-confirmation' | 'email-activation') => ({
  email: 'ann@example.com',
  passwordHash: 'HASH',
  profile: {},
  agreements: {},
  attributes: {},
  deviceUuid: 'd1',
  mode,
  confirmationExpiresAt: clock.tokensExpireBy,
});

describe('profile decider', () => {
  it('registers in each mode with the right status and mail request', () => {
    const automatic = decide.register(given(), registerCmd('automatic'));
    assert.deepEqual(
      automatic.events.map((e) => e.type),
      ['UserRegistered'],
    );
    const confirmation = decide.register(given(), registerCmd('email-confirmation'));
    assert.deepEqual(
      confirmation.events.map((e) => e.type),
      ['UserRegistered', 'EmailConfirmationRequested'],
    );
    const activation = decide.register(given(), registerCmd('email-activation'));
    const [user, request] = activation.events;
    assert.equal(user?.type === 'UserRegistered' && user.data.status, 'pending-activation');
    assert.equal(request?.type === 'EmailConfirmationRequested' && request.data.purpose, 'activation');
  });

  it('refuses a second registration of the same profile with EMAIL_TAKEN', () => {
    const decision = decide.register(given(registered()), registerCmd('automatic'));
    assert.equal(decision.error?.code, 'EMAIL_TAKEN');
    assert.equal(decision.events.length, 0);
  });

  it('attaches a registration to an imported profile only after the mailed activation, whatever the mode', () => {
    const imported = given({
      type: 'ProfileImported',
      data: { profileId: 'p1', email: 'ann@example.com', profile: { customId: 'c1' }, attributes: {}, created: true },
    });
    const decision = decide.register(imported, registerCmd('automatic'));
    const [event, request] = decision.events;
    assert.equal(event?.type === 'UserRegistered' && event.data.attachedToImportedProfile, true);
    assert.equal(event?.type === 'UserRegistered' && event.data.status, 'pending-activation');
    assert.equal(request?.type === 'EmailConfirmationRequested' && request.data.purpose, 'activation');
  });

  it('refuses a sign-in whose verified password was changed meanwhile, opening and re-hashing nothing', () => {
    const changed = given(registered(), { type: 'PasswordChanged', data: { profileId: 'p1', passwordHash: 'NEWER' } });
    const decision = decide.signIn(changed, {
      passwordValid: true,
      verifiedHash: 'HASH',
      rehashedPassword: 'OLD-REHASHED',
      sessionId: 's1',
      deviceUuid: 'd1',
      sessionExpiresAt: clock.tokensExpireBy,
    });
    assert.equal(decision.error?.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(
      decision.events.map((e) => e.type),
      ['SignInFailed'],
    );
  });

  it('refuses sign-in with a wrong password, recording SignInFailed', () => {
    const decision = decide.signIn(given(registered()), {
      passwordValid: false,
      verifiedHash: 'HASH',
      rehashedPassword: null,
      sessionId: 's1',
      deviceUuid: 'd1',
      sessionExpiresAt: clock.tokensExpireBy,
    });
    assert.equal(decision.error?.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(
      decision.events.map((e) => e.type),
      ['SignInFailed'],
    );
  });

  it('refuses sign-in before activation, and opens a session after it', () => {
    const pending = given(registered('pending-activation'));
    const refused = decide.signIn(pending, {
      passwordValid: true,
      verifiedHash: 'HASH',
      rehashedPassword: null,
      sessionId: 's1',
      deviceUuid: 'd1',
      sessionExpiresAt: clock.tokensExpireBy,
    });
    assert.equal(refused.error?.code, 'ACCOUNT_NOT_ACTIVATED');
    const confirmed = decide.confirmEmail(pending);
    assert.deepEqual(confirmed.events, [{ type: 'EmailConfirmed', data: { profileId: 'p1', activated: true } }]);
    const active = confirmed.events.reduce((s, e) => evolve(s, e, T0), pending);
    const accepted = decide.signIn(active, {
      passwordValid: true,
      verifiedHash: 'HASH',
      rehashedPassword: 'NEW',
      sessionId: 's1',
      deviceUuid: 'd1',
      sessionExpiresAt: clock.tokensExpireBy,
    });
    assert.equal(accepted.error, undefined);
    assert.deepEqual(
      accepted.events.map((e) => e.type),
      ['PasswordRehashed', 'SessionOpened'],
    );
  });

  it('refreshes only an open session within its lifetime', () => {
    const state = given(registered(), opened('s1', '2026-01-01T12:00:00.000Z'));
    assert.equal(decide.refresh(state, { sessionId: 's1', now: '2026-01-01T06:00:00.000Z' }).error, undefined);
    assert.equal(decide.refresh(state, { sessionId: 's1', now: '2026-01-01T13:00:00.000Z' }).error?.code, 'TOKEN_EXPIRED');
    assert.equal(decide.refresh(state, { sessionId: 'other', now: '2026-01-01T06:00:00.000Z' }).error?.code, 'TOKEN_REVOKED');
  });

  it('signs out once; signing out again records nothing', () => {
    const state = given(registered(), opened('s1'));
    const first = decide.signOut(state, { sessionId: 's1' }, clock);
    assert.deepEqual(first.events, [
      {
        type: 'SessionClosed',
        data: { profileId: 'p1', sessionId: 's1', reason: 'sign-out', closedAt: clock.now, forgetAfter: clock.tokensExpireBy },
      },
    ]);
    const after = first.events.reduce((s, e) => evolve(s, e, T0), state);
    assert.deepEqual(decide.signOut(after, { sessionId: 's1' }, clock).events, []);
  });

  it('a password change closes every other session, not the caller`s', () => {
    const state = given(registered(), opened('s1'), opened('s2'), opened('s3'));
    const decision = decide.changePassword(state, { currentPasswordValid: true, newPasswordHash: 'H2', keepSessionId: 's2' }, clock);
    const closed = decision.events.flatMap((e) => (e.type === 'SessionClosed' ? [e.data.sessionId] : []));
    assert.deepEqual(closed.sort(), ['s1', 's3']);
    const wrong = decide.changePassword(state, { currentPasswordValid: false, newPasswordHash: 'H2', keepSessionId: 's2' }, clock);
    assert.equal(wrong.error?.code, 'INVALID_CREDENTIALS');
    assert.equal(wrong.error?.status, 403);
  });

  it('records only the changed fields of an account update', () => {
    const state = given(registered());
    const decision = decide.updateAccount(state, {
      changes: { firstName: 'Ann', lastName: 'Lee' },
      agreements: { email: true, sms: false },
    });
    assert.deepEqual(decision.events, [
      { type: 'AccountUpdated', data: { profileId: 'p1', changes: { lastName: 'Lee' }, agreements: { sms: false } } },
    ]);
    assert.deepEqual(decide.updateAccount(state, { changes: { firstName: 'Ann' } }).events, []);
  });

  it('a reset closes all sessions; erasure closes them and leaves a tombstone that cannot sign in', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    const reset = decide.completePasswordReset(state, { newPasswordHash: 'H3' }, clock);
    assert.equal(reset.events.filter((e) => e.type === 'SessionClosed').length, 2);
    const erase = decide.eraseProfile(state, clock);
    assert.deepEqual(
      erase.events.map((e) => e.type),
      ['SessionClosed', 'SessionClosed', 'ProfileErased'],
    );
    const erased = erase.events.reduce((s, e) => evolve(s, e, T0), state);
    assert.equal(erased.kind, 'erased');
    assert.equal(erased.email, null);
    assert.equal(erased.passwordHash, null);
    const signIn = decide.signIn(erased, {
      passwordValid: true,
      verifiedHash: 'HASH',
      rehashedPassword: null,
      sessionId: 's9',
      deviceUuid: null,
      sessionExpiresAt: clock.tokensExpireBy,
    });
    assert.equal(signIn.error?.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(decide.eraseProfile(erased, clock).events, []);
  });

  it('public events never carry a password hash', () => {
    const events: ProfileEvent[] = [
      registered(),
      { type: 'PasswordChanged', data: { profileId: 'p1', passwordHash: 'HASH' } },
      { type: 'PasswordResetCompleted', data: { profileId: 'p1', passwordHash: 'HASH' } },
      { type: 'PasswordRehashed', data: { profileId: 'p1', passwordHash: 'HASH' } },
    ];
    for (const event of events) assert.ok(!JSON.stringify(toPublicData(event) ?? {}).includes('HASH'), event.type);
    assert.equal(toPublicData(events[3]!), null);
  });

  it('never attaches imported data to an account that has not confirmed its email', () => {
    const importCmd = { email: 'ann@example.com', profile: { lastName: 'Imported' }, attributes: { plan: 'gold' } };
    for (const status of ['active', 'pending-activation'] as const) {
      const decision = decide.importProfile(given(registered(status)), importCmd);
      assert.equal(decision.error?.code, 'EMAIL_NOT_CONFIRMED', status);
      assert.equal(decision.events.length, 0);
    }
    const confirmed = given(registered('active'), { type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } });
    const decision = decide.importProfile(confirmed, importCmd);
    assert.equal(decision.error, undefined);
    assert.deepEqual(
      decision.events.map((e) => e.type),
      ['ProfileImported'],
    );
  });

  it('recognizes a device by email only for an imported profile or a confirmed account; by profile id for any', () => {
    const cmd = { uuid: 'u1', previousProfileId: null };
    assert.equal(decide.recognizeClient(given(registered()), { ...cmd, matchedBy: 'email' }).error?.code, 'EMAIL_NOT_CONFIRMED');
    assert.equal(decide.recognizeClient(given(registered()), { ...cmd, matchedBy: 'profileId' }).error, undefined);
    const confirmed = given(registered(), { type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } });
    assert.equal(decide.recognizeClient(confirmed, { ...cmd, matchedBy: 'email' }).events[0]?.type, 'ClientRecognized');
  });

  it('records a flagged confusable email on UserRegistered, and nothing when there is no flag', () => {
    const flagged = decide.register(given(), { ...registerCmd('automatic'), emailConfusable: 'mixed-script' });
    const [user] = flagged.events;
    assert.equal(user?.type === 'UserRegistered' && user.data.emailConfusable, 'mixed-script');
    const plain = decide.register(given(), registerCmd('automatic'));
    assert.ok(plain.events[0]?.type === 'UserRegistered' && !('emailConfusable' in plain.events[0].data));
  });
});
