import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, ProfileCommand } from './profile.commands';
import { decide, type Decision } from './profile.decider';
import { replyErrorOf } from './profile.errors';
import type { ProfileEvent } from './profile.events';
import { toPublicData } from './profile.public';
import { evolve, initialProfileState, type ProfileState } from './profile.state';

// given: events → state; when: a command; then: the events it records (and its refusal).
const T0 = '2026-01-01T00:00:00.000Z';
const clock: Clock = { now: '2026-01-02T00:00:00.000Z', tokensExpireBy: '2026-01-03T00:00:00.000Z' };
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));
const then = (state: ProfileState, decision: Decision): ProfileState => decision.events.reduce((s, e) => evolve(s, e, T0), state);
const types = (decision: Decision) => decision.events.map((e) => e.type);

// Events
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
const imported = (): ProfileEvent => ({
  type: 'ProfileImported',
  data: { profileId: 'p1', email: 'ann@example.com', profile: { customId: 'c1' }, attributes: {}, created: true },
});
const opened = (sessionId: string, expiresAt = '2027-01-01T00:00:00.000Z'): ProfileEvent => ({
  type: 'SessionOpened',
  data: { profileId: 'p1', sessionId, deviceUuid: 'd1', expiresAt },
});
const erased = (): ProfileEvent => ({ type: 'ProfileErased', data: { profileId: 'p1', erasedAt: T0 } });
const confirmedEmail = (): ProfileEvent => ({ type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } });

// Commands: one builder per command, with overridable fields.
type Cmd<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>;
const a = {
  register: (mode: 'automatic' | 'email-confirmation' | 'email-activation'): Cmd<'RegisterAccount'> => ({
    type: 'RegisterAccount',
    email: 'ann@example.com',
    passwordHash: 'HASH',
    profile: {},
    agreements: {},
    attributes: {},
    deviceUuid: 'd1',
    mode,
    confirmationExpiresAt: clock.tokensExpireBy,
    pinExpiresAt: clock.tokensExpireBy,
  }),
  confirmEmail: (): Cmd<'ConfirmEmail'> => ({ type: 'ConfirmEmail' }),
  requestConfirmation: (
    mode: 'automatic' | 'email-confirmation' | 'email-activation' = 'email-confirmation',
  ): Cmd<'RequestConfirmation'> => ({
    type: 'RequestConfirmation',
    mode,
    expiresAt: clock.tokensExpireBy,
  }),
  signIn: (over: Partial<Cmd<'SignIn'>> = {}): Cmd<'SignIn'> => ({
    type: 'SignIn',
    passwordValid: true,
    verifiedHash: 'HASH',
    rehashedPassword: null,
    sessionId: 's1',
    deviceUuid: 'd1',
    sessionExpiresAt: clock.tokensExpireBy,
    ...over,
  }),
  refresh: (sessionId: string, now: string): Cmd<'RefreshSession'> => ({ type: 'RefreshSession', sessionId, now }),
  signOut: (sessionId: string): Cmd<'SignOut'> => ({ type: 'SignOut', sessionId, clock }),
  updateAccount: (over: Partial<Cmd<'UpdateAccount'>> = {}): Cmd<'UpdateAccount'> => ({
    type: 'UpdateAccount',
    sessionId: 's1',
    changes: {},
    ...over,
  }),
  changePassword: (over: Partial<Cmd<'ChangePassword'>> = {}): Cmd<'ChangePassword'> => ({
    type: 'ChangePassword',
    verifiedHash: 'HASH',
    newPasswordHash: 'H2',
    keepSessionId: 's2',
    clock,
    ...over,
  }),
  requestPasswordReset: (): Cmd<'RequestPasswordReset'> => ({ type: 'RequestPasswordReset', expiresAt: clock.tokensExpireBy }),
  completePasswordReset: (): Cmd<'CompletePasswordReset'> => ({ type: 'CompletePasswordReset', newPasswordHash: 'H3', clock }),
  importProfile: (over: Partial<Cmd<'ImportProfile'>> = {}): Cmd<'ImportProfile'> => ({
    type: 'ImportProfile',
    email: 'ann@example.com',
    profile: { lastName: 'Lee' },
    attributes: {},
    ...over,
  }),
  recognizeClient: (previousProfileId: string | null = null): Cmd<'RecognizeClient'> => ({
    type: 'RecognizeClient',
    uuid: 'd2',
    matchedBy: 'email',
    previousProfileId,
  }),
  eraseProfile: (): Cmd<'EraseProfile'> => ({ type: 'EraseProfile', clock }),
};

describe('profile decider', () => {
  it('registers in each mode with the right status and mail request', () => {
    assert.deepEqual(types(decide(a.register('automatic'), given())), ['UserRegistered']);
    assert.deepEqual(types(decide(a.register('email-confirmation'), given())), ['UserRegistered', 'EmailConfirmationRequested']);
    const [user, request] = decide(a.register('email-activation'), given()).events;
    assert.equal(user?.type === 'UserRegistered' && user.data.status, 'pending-activation');
    assert.equal(request?.type === 'EmailConfirmationRequested' && request.data.purpose, 'activation');
  });

  it('refuses a second registration of the same profile with EMAIL_TAKEN', () => {
    const decision = decide(a.register('automatic'), given(registered()));
    assert.equal(decision.refusal, 'EMAIL_TAKEN');
    assert.equal(decision.events.length, 0);
  });

  it('attaches a registration to an imported profile only after the mailed activation, whatever the mode', () => {
    const [event, request] = decide(a.register('automatic'), given(imported())).events;
    assert.equal(event?.type === 'UserRegistered' && event.data.attachedToImportedProfile, true);
    assert.equal(event?.type === 'UserRegistered' && event.data.status, 'pending-activation');
    assert.equal(request?.type === 'EmailConfirmationRequested' && request.data.purpose, 'activation');
  });

  it('refuses a sign-in whose verified password was changed meanwhile, opening and re-hashing nothing', () => {
    const changed = given(registered(), { type: 'PasswordChanged', data: { profileId: 'p1', passwordHash: 'NEWER' } });
    const decision = decide(a.signIn({ rehashedPassword: 'OLD-REHASHED' }), changed);
    assert.equal(decision.refusal, 'INVALID_CREDENTIALS');
    assert.deepEqual(types(decision), ['SignInFailed']);
  });

  it('refuses sign-in with a wrong password, recording SignInFailed', () => {
    const decision = decide(a.signIn({ passwordValid: false }), given(registered()));
    assert.equal(decision.refusal, 'INVALID_CREDENTIALS');
    assert.deepEqual(types(decision), ['SignInFailed']);
  });

  it('refuses sign-in before activation, and opens a session after it', () => {
    const pending = given(registered('pending-activation'));
    assert.equal(decide(a.signIn(), pending).refusal, 'ACCOUNT_NOT_ACTIVATED');
    const confirmed = decide(a.confirmEmail(), pending);
    assert.deepEqual(confirmed.events, [{ type: 'EmailConfirmed', data: { profileId: 'p1', activated: true } }]);
    const accepted = decide(a.signIn({ rehashedPassword: 'NEW' }), then(pending, confirmed));
    assert.equal(accepted.refusal, undefined);
    assert.deepEqual(types(accepted), ['PasswordRehashed', 'SessionOpened']);
  });

  it('confirms an email once; a token of no account is invalid', () => {
    const active = given(registered());
    const confirmed = decide(a.confirmEmail(), active);
    assert.deepEqual(confirmed.events, [{ type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } }]);
    assert.deepEqual(decide(a.confirmEmail(), then(active, confirmed)).events, []);
    assert.equal(decide(a.confirmEmail(), given(imported())).refusal, 'TOKEN_INVALID');
  });

  it('requests a confirmation mail only for an unconfirmed account, silently otherwise', () => {
    const pending = decide(a.requestConfirmation('automatic'), given(registered('pending-activation')));
    assert.deepEqual(pending.events, [
      { type: 'EmailConfirmationRequested', data: { profileId: 'p1', purpose: 'activation', expiresAt: clock.tokensExpireBy } },
    ]);
    const unconfirmed = decide(a.requestConfirmation('email-confirmation'), given(registered()));
    assert.equal(unconfirmed.events[0]?.type === 'EmailConfirmationRequested' && unconfirmed.events[0].data.purpose, 'confirmation');
    assert.deepEqual(decide(a.requestConfirmation('automatic'), given(registered())).events, []);
    const confirmed = given(registered(), { type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } });
    assert.deepEqual(decide(a.requestConfirmation(), confirmed), { events: [] });
    assert.deepEqual(decide(a.requestConfirmation(), given()), { events: [] });
    assert.deepEqual(decide(a.requestConfirmation(), given(imported())), { events: [] });
  });

  it('refreshes only an open session within its lifetime', () => {
    const state = given(registered(), opened('s1', '2026-01-01T12:00:00.000Z'));
    assert.equal(decide(a.refresh('s1', '2026-01-01T06:00:00.000Z'), state).refusal, undefined);
    assert.equal(decide(a.refresh('s1', '2026-01-01T13:00:00.000Z'), state).refusal, 'SESSION_EXPIRED');
    assert.equal(decide(a.refresh('other', '2026-01-01T06:00:00.000Z'), state).refusal, 'SESSION_CLOSED');
  });

  it('signs out once; signing out again records nothing', () => {
    const state = given(registered(), opened('s1'));
    const first = decide(a.signOut('s1'), state);
    assert.deepEqual(first.events, [
      {
        type: 'SessionClosed',
        data: { profileId: 'p1', sessionId: 's1', reason: 'sign-out', closedAt: clock.now, forgetAfter: clock.tokensExpireBy },
      },
    ]);
    assert.deepEqual(decide(a.signOut('s1'), then(state, first)).events, []);
  });

  it('a password change closes every other session, not the caller`s', () => {
    const state = given(registered(), opened('s1'), opened('s2'), opened('s3'));
    const decision = decide(a.changePassword(), state);
    const closed = decision.events.flatMap((e) => (e.type === 'SessionClosed' ? [e.data.sessionId] : []));
    assert.deepEqual(closed.sort(), ['s1', 's3']);
    // The password changed since it was verified: that verification is void.
    const wrong = decide(a.changePassword({ verifiedHash: 'OLDER' }), state);
    assert.equal(wrong.refusal, 'CURRENT_PASSWORD_WRONG');
    assert.equal(wrong.events.length, 0);
    assert.equal(replyErrorOf('CURRENT_PASSWORD_WRONG').code, 'INVALID_CREDENTIALS');
    assert.equal(replyErrorOf('CURRENT_PASSWORD_WRONG').status, 403);
  });

  it('records only the changed fields of an account update, from an open session', () => {
    const state = given(registered(), opened('s1'));
    const decision = decide(
      a.updateAccount({ changes: { firstName: 'Ann', lastName: 'Lee' }, agreements: { email: true, sms: false } }),
      state,
    );
    assert.deepEqual(decision.events, [
      { type: 'AccountUpdated', data: { profileId: 'p1', changes: { lastName: 'Lee' }, agreements: { sms: false } } },
    ]);
    assert.deepEqual(decide(a.updateAccount({ changes: { firstName: 'Ann' } }), state).events, []);
    assert.equal(decide(a.updateAccount({ sessionId: 'closed' }), state).refusal, 'SESSION_CLOSED');
    assert.equal(decide(a.updateAccount(), given(imported())).refusal, 'NO_ACCOUNT');
  });

  it('requests a password reset for an account only', () => {
    assert.deepEqual(decide(a.requestPasswordReset(), given(registered())).events, [
      { type: 'PasswordResetRequested', data: { profileId: 'p1', expiresAt: clock.tokensExpireBy } },
    ]);
    assert.deepEqual(decide(a.requestPasswordReset(), given(registered('pending-activation'))).events.length, 1);
    assert.deepEqual(decide(a.requestPasswordReset(), given(imported())), { events: [] });
    assert.deepEqual(decide(a.requestPasswordReset(), given(registered(), erased())), { events: [] });
  });

  it('imports a new profile, updates an existing one keeping its email, and refuses an erased one', () => {
    assert.deepEqual(decide(a.importProfile(), given()).events, [
      {
        type: 'ProfileImported',
        data: { profileId: 'p1', email: 'ann@example.com', profile: { lastName: 'Lee' }, attributes: {}, created: true },
      },
    ]);
    const again = decide(a.importProfile({ email: 'other@example.com' }), given(registered(), confirmedEmail()));
    assert.equal(again.events[0]?.type === 'ProfileImported' && again.events[0].data.email, 'Ann@Example.com');
    assert.equal(again.events[0]?.type === 'ProfileImported' && again.events[0].data.created, false);
    const byCustomId = decide(a.importProfile({ email: null }), given());
    assert.equal(byCustomId.events[0]?.type === 'ProfileImported' && byCustomId.events[0].data.email, null);
    assert.equal(decide(a.importProfile(), given(registered(), erased())).refusal, 'PROFILE_NOT_FOUND');
  });

  it('recognizes a device for a known profile, naming the previous one; twice records nothing', () => {
    assert.deepEqual(decide(a.recognizeClient('p0'), given(imported())).events, [
      { type: 'ClientRecognized', data: { profileId: 'p1', uuid: 'd2', matchedBy: 'email', previousProfileId: 'p0' } },
    ]);
    assert.deepEqual(decide(a.recognizeClient('p1'), given(registered(), confirmedEmail())).events, []);
    assert.equal(decide(a.recognizeClient(), given()).refusal, 'PROFILE_NOT_FOUND');
    assert.equal(decide(a.recognizeClient(), given(imported(), erased())).refusal, 'PROFILE_NOT_FOUND');
  });

  it('a reset closes all sessions; erasure closes them and leaves a tombstone that cannot sign in', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    const reset = decide(a.completePasswordReset(), state);
    assert.equal(reset.events.filter((e) => e.type === 'SessionClosed').length, 2);
    const erase = decide(a.eraseProfile(), state);
    assert.deepEqual(types(erase), ['SessionClosed', 'SessionClosed', 'ProfileErased']);
    const tombstone = then(state, erase);
    assert.equal(tombstone.kind, 'erased');
    assert.equal('email' in tombstone, false);
    assert.equal('passwordHash' in tombstone, false);
    assert.equal(decide(a.signIn({ sessionId: 's9', deviceUuid: null }), tombstone).refusal, 'INVALID_CREDENTIALS');
    assert.deepEqual(decide(a.eraseProfile(), tombstone).events, []);
    assert.equal(decide(a.eraseProfile(), given()).refusal, 'PROFILE_NOT_FOUND');
  });

  it('refuses every account command on an erased profile, recording nothing but a failed sign-in', () => {
    const tombstone = given(registered(), opened('s1'), erased());
    const commands: ProfileCommand[] = [
      a.register('automatic'),
      a.confirmEmail(),
      a.refresh('s1', T0),
      a.updateAccount(),
      a.changePassword(),
      a.completePasswordReset(),
      a.importProfile(),
      a.recognizeClient(),
    ];
    for (const command of commands) {
      const decision = decide(command, tombstone);
      assert.ok(decision.refusal, command.type);
      assert.deepEqual(decision.events, [], command.type);
    }
    assert.deepEqual(types(decide(a.signIn(), tombstone)), ['SignInFailed']);
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
    const importCmd = a.importProfile({ profile: { lastName: 'Imported' }, attributes: { plan: 'gold' } });
    for (const status of ['active', 'pending-activation'] as const) {
      const decision = decide(importCmd, given(registered(status)));
      assert.equal(decision.refusal, 'EMAIL_NOT_CONFIRMED', status);
      assert.equal(replyErrorOf('EMAIL_NOT_CONFIRMED').code, 'EMAIL_NOT_CONFIRMED');
      assert.equal(decision.events.length, 0);
    }
    const decision = decide(importCmd, given(registered('active'), confirmedEmail()));
    assert.equal(decision.refusal, undefined);
    assert.deepEqual(types(decision), ['ProfileImported']);
  });

  it('recognizes a device by email only for an imported profile or a confirmed account; by profile id for any', () => {
    const byEmail = { ...a.recognizeClient(), uuid: 'u1', matchedBy: 'email' } as const;
    assert.equal(decide(byEmail, given(registered())).refusal, 'EMAIL_NOT_CONFIRMED');
    assert.equal(decide({ ...byEmail, matchedBy: 'profileId' }, given(registered())).refusal, undefined);
    assert.equal(decide(byEmail, given(registered(), confirmedEmail())).events[0]?.type, 'ClientRecognized');
  });

  it('records a flagged confusable email on UserRegistered, and nothing when there is no flag', () => {
    const flagged = decide({ ...a.register('automatic'), emailConfusable: 'mixed-script' }, given());
    const [user] = flagged.events;
    assert.equal(user?.type === 'UserRegistered' && user.data.emailConfusable, 'mixed-script');
    const plain = decide(a.register('automatic'), given());
    assert.ok(plain.events[0]?.type === 'UserRegistered' && !('emailConfusable' in plain.events[0].data));
  });
});
