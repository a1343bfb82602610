import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, ProfileCommand } from './profile.commands';
import { decide, type Decision } from './profile.decider';
import type { ProfileEvent } from './profile.events';
import { evolve, initialProfileState, type ProfileState } from './profile.state';

// Issue 11 parts 1, 2, 5 — given: events → state; when: a command; then: the events it records (and its refusal).
const T0 = '2026-01-01T00:00:00.000Z';
const clock: Clock = { now: '2026-01-02T00:00:00.000Z', tokensExpireBy: '2026-01-03T00:00:00.000Z' };
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));
const then = (state: ProfileState, decision: Decision): ProfileState => decision.events.reduce((s, e) => evolve(s, e, T0), state);
const closeReasons = (d: Decision) => d.events.flatMap((e) => (e.type === 'SessionClosed' ? [`${e.data.sessionId}:${e.data.reason}`] : []));

const registered = (agreements: Record<string, boolean> = {}): ProfileEvent => ({
  type: 'UserRegistered',
  data: {
    profileId: 'p1',
    email: 'ann@example.com',
    profile: {},
    agreements,
    attributes: {},
    deviceUuid: 'd1',
    registrationMode: 'automatic',
    status: 'active',
    emailConfirmed: false,
    attachedToImportedProfile: false,
    passwordHash: 'HASH',
  },
});
const imported = (): ProfileEvent => ({
  type: 'ProfileImported',
  data: { profileId: 'p1', email: 'ann@example.com', profile: {}, attributes: {}, created: true },
});
const opened = (sessionId: string): ProfileEvent => ({
  type: 'SessionOpened',
  data: { profileId: 'p1', sessionId, deviceUuid: 'd1', expiresAt: '2027-01-01T00:00:00.000Z' },
});
const signIn = (over: Partial<Extract<ProfileCommand, { type: 'SignIn' }>> = {}): ProfileCommand => ({
  type: 'SignIn',
  passwordValid: true,
  verifiedHash: 'HASH',
  rehashedPassword: null,
  sessionId: 's9',
  deviceUuid: 'd1',
  sessionExpiresAt: clock.tokensExpireBy,
  ...over,
});

describe('profile decider: sessions, conditional sign-in, account deletion', () => {
  it('signs out from every device with reason sign-out-all, only from an open session', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    const everywhere = decide({ type: 'SignOutEverywhere', sessionId: 's1', clock }, state);
    assert.deepEqual(closeReasons(everywhere), ['s1:sign-out-all', 's2:sign-out-all']);
    const after = then(state, everywhere);
    assert.equal(decide({ type: 'SignOutEverywhere', sessionId: 's1', clock }, after).refusal, 'SESSION_CLOSED');
    assert.deepEqual(decide({ type: 'SignOutEverywhere', sessionId: 's1', clock }, after).events, []);
  });

  it('a plain sign-out closes the caller`s session only, with reason sign-out', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    assert.deepEqual(closeReasons(decide({ type: 'SignOut', sessionId: 's2', clock }, state)), ['s2:sign-out']);
  });

  it('the backend revokes every session with reason admin; an unknown or erased profile is not found', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    assert.deepEqual(closeReasons(decide({ type: 'RevokeSessions', clock }, state)), ['s1:admin', 's2:admin']);
    assert.deepEqual(decide({ type: 'RevokeSessions', clock }, given(registered())).events, []);
    assert.equal(decide({ type: 'RevokeSessions', clock }, given()).refusal, 'PROFILE_NOT_FOUND');
    const erased = then(state, decide({ type: 'EraseProfile', clock }, state));
    assert.equal(decide({ type: 'RevokeSessions', clock }, erased).refusal, 'PROFILE_NOT_FOUND');
  });

  it('deleting the account erases it as the backend does, sessions closed with account-deleted', () => {
    const state = given(registered(), opened('s1'), opened('s2'));
    const deleted = decide({ type: 'DeleteAccount', proof: { by: 'password', verifiedHash: 'HASH' }, clock }, state);
    assert.deepEqual(closeReasons(deleted), ['s1:account-deleted', 's2:account-deleted']);
    assert.equal(deleted.events.at(-1)?.type, 'ProfileErased');
    assert.equal(then(state, deleted).kind, 'erased');
    const erasedByBackend = decide({ type: 'EraseProfile', clock }, state);
    assert.deepEqual(
      deleted.events.map((e) => e.type),
      erasedByBackend.events.map((e) => e.type),
    );
  });

  it('refuses a deletion whose verified password changed meanwhile, or of a profile without an account', () => {
    const state = given(registered(), opened('s1'));
    const raced = decide({ type: 'DeleteAccount', proof: { by: 'password', verifiedHash: 'OLD' }, clock }, state);
    assert.equal(raced.refusal, 'CURRENT_PASSWORD_WRONG');
    assert.deepEqual(raced.events, []);
    assert.equal(
      decide({ type: 'DeleteAccount', proof: { by: 'password', verifiedHash: null }, clock }, given(imported())).refusal,
      'NO_ACCOUNT',
    );
  });

  it('deletes an account proven by a fresh ID token of its linked identity; an identity not linked to it refuses', () => {
    const linked: ProfileEvent = {
      type: 'ExternalIdentityLinked',
      data: { profileId: 'p1', provider: 'corp', issuer: 'https://idp.example', subject: 'u1', linkedBy: 'verified-email' },
    };
    const state = given(registered(), linked, opened('s1'));
    const byToken = (issuer: string, subject: string) =>
      decide({ type: 'DeleteAccount', proof: { by: 'external', issuer, subject }, clock }, state);
    assert.equal(byToken('https://idp.example', 'u1').events.at(-1)?.type, 'ProfileErased');
    assert.equal(byToken('https://idp.example', 'u2').refusal, 'CURRENT_PASSWORD_WRONG');
    assert.equal(byToken('https://other.example', 'u1').refusal, 'CURRENT_PASSWORD_WRONG');
    const noIdentity = decide(
      { type: 'DeleteAccount', proof: { by: 'external', issuer: 'https://idp.example', subject: 'u1' }, clock },
      given(registered(), opened('s1')),
    );
    assert.deepEqual(noIdentity, { events: [], refusal: 'CURRENT_PASSWORD_WRONG' });
  });

  it('refuses a sign-in with TERMS_ACCEPTANCE_REQUIRED until every required agreement is accepted', () => {
    const state = given(registered({ terms: true }));
    assert.equal(decide(signIn({ requiredAgreements: ['terms'] }), state).refusal, undefined);
    const missing = decide(signIn({ requiredAgreements: ['terms', 'privacy'] }), state);
    assert.equal(missing.refusal, 'TERMS_ACCEPTANCE_REQUIRED');
    assert.deepEqual(missing.events, []);
    const declined = decide(signIn({ requiredAgreements: ['privacy'], agreements: { privacy: false } }), state);
    assert.equal(declined.refusal, 'TERMS_ACCEPTANCE_REQUIRED');
  });

  it('a sign-in with the agreements accepts them, then opens the session', () => {
    const state = given(registered({ terms: true }));
    const accepted = decide(signIn({ requiredAgreements: ['privacy'], agreements: { privacy: true, terms: true } }), state);
    assert.equal(accepted.refusal, undefined);
    assert.deepEqual(
      accepted.events.map((e) => e.type),
      ['AccountUpdated', 'SessionOpened'],
    );
    const update = accepted.events[0]!;
    assert.deepEqual(update.type === 'AccountUpdated' && update.data.agreements, { privacy: true });
  });

  it('a wrong password accepts nothing and says nothing about agreements', () => {
    const state = given(registered());
    const wrong = decide(signIn({ passwordValid: false, requiredAgreements: ['terms'], agreements: { terms: true } }), state);
    assert.equal(wrong.refusal, 'INVALID_CREDENTIALS');
    assert.deepEqual(
      wrong.events.map((e) => e.type),
      ['SignInFailed'],
    );
  });
});
