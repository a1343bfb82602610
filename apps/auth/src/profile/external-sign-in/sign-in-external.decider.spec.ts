import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, SignInExternalCommand } from '../profile.commands';
import { decide, type Decision } from '../profile.decider';
import type { ProfileEvent } from '../profile.events';
import { toPublicData } from '../profile.public';
import { evolve, hasIdentity, initialProfileState, type ProfileState } from '../profile.state';

// given: events → state; when: SignInExternal; then: the events it records (and its refusal).
const T0 = '2026-01-01T00:00:00.000Z';
const clock: Clock = { now: '2026-01-02T00:00:00.000Z', tokensExpireBy: '2026-01-03T00:00:00.000Z' };
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));
const then = (state: ProfileState, decision: Decision): ProfileState => decision.events.reduce((s, e) => evolve(s, e, T0), state);
const types = (decision: Decision) => decision.events.map((e) => e.type);

const identity = { provider: 'corp', issuer: 'https://id.corp.test', subject: 'sub-1' };
const registered = (status: 'active' | 'pending-activation' = 'active'): ProfileEvent => ({
  type: 'UserRegistered',
  data: {
    profileId: 'p1',
    email: 'Ann@Example.com',
    profile: {},
    agreements: {},
    attributes: {},
    deviceUuid: null,
    registrationMode: status === 'active' ? 'email-confirmation' : 'email-activation',
    status,
    emailConfirmed: false,
    attachedToImportedProfile: false,
    passwordHash: 'HASH',
  },
});
const confirmed = (): ProfileEvent => ({ type: 'EmailConfirmed', data: { profileId: 'p1', activated: false } });
const linked = (): ProfileEvent => ({ type: 'ExternalIdentityLinked', data: { profileId: 'p1', ...identity, linkedBy: 'verified-email' } });

const session = { sessionId: 's1', deviceUuid: 'd1', sessionExpiresAt: clock.tokensExpireBy, requiredAgreements: [] };
type Agreed = { requiredAgreements?: string[]; agreements?: Record<string, boolean> };
const when = {
  holder: (over: Agreed = {}): SignInExternalCommand => ({
    type: 'SignInExternal',
    identity,
    ...session,
    match: 'holder',
    agreements: {},
    ...over,
  }),
  byEmail: (verifiedEmail = 'ann@example.com', over: Agreed = {}): SignInExternalCommand => ({
    type: 'SignInExternal',
    identity,
    ...session,
    match: 'verified-email',
    verifiedEmail,
    agreements: {},
    ...over,
  }),
  create: (over: Agreed = {}): SignInExternalCommand => ({
    type: 'SignInExternal',
    identity,
    ...session,
    match: 'create',
    verifiedEmail: 'new@example.com',
    profile: { firstName: 'Nia' },
    agreements: { email: true },
    ...(over.requiredAgreements ? { requiredAgreements: over.requiredAgreements } : {}),
    attributes: { plan: 'free' },
    mode: 'email-activation',
  }),
};

describe('SignInExternal', () => {
  it('creates an active account with the provider-verified email, no password, the identity and a session', () => {
    const state = given();
    const decision = decide(when.create(), state);
    assert.deepEqual(types(decision), ['UserRegistered', 'ExternalIdentityLinked', 'SessionOpened']);
    const after = then(state, decision);
    assert.equal(after.kind, 'active');
    assert.ok(after.kind === 'active' && after.emailConfirmed && after.passwordHash === null);
    assert.ok(hasIdentity(after, identity.issuer, identity.subject));
    assert.ok(after.kind === 'active' && after.sessions['s1']);
    assert.equal(decision.events[2]?.type === 'SessionOpened' && decision.events[2].data.method, 'external');
  });

  it('signs in the profile holding the identity, and refuses one that does not hold it', () => {
    assert.deepEqual(types(decide(when.holder(), given(registered(), confirmed(), linked()))), ['SessionOpened']);
    const other = decide(when.holder(), given(registered(), confirmed()));
    assert.equal(other.refusal, 'EXTERNAL_LINK_REFUSED');
    assert.deepEqual(other.events, []);
  });

  it('links by verified email only an active account that confirmed that same email', () => {
    const decision = decide(when.byEmail('ANN@example.com'), given(registered(), confirmed()));
    assert.deepEqual(types(decision), ['ExternalIdentityLinked', 'SessionOpened']);
    assert.equal(decide(when.byEmail('bob@example.com'), given(registered(), confirmed())).refusal, 'EXTERNAL_LINK_REFUSED');
    // Registered but never confirmed: whoever typed the address may not own it.
    assert.equal(decide(when.byEmail(), given(registered())).refusal, 'EXTERNAL_LINK_REFUSED');
  });

  it('never links to an account with a pending activation', () => {
    const decision = decide(when.byEmail(), given(registered('pending-activation')));
    assert.equal(decision.refusal, 'EXTERNAL_LINK_REFUSED');
    assert.deepEqual(decision.events, []);
  });

  it('creates nothing on a taken id or an erased profile', () => {
    assert.equal(decide(when.create(), given(registered())).refusal, 'EXTERNAL_LINK_REFUSED');
    const erased: ProfileEvent = { type: 'ProfileErased', data: { profileId: 'p1', erasedAt: T0 } };
    assert.equal(decide(when.holder(), given(registered(), linked(), erased)).refusal, 'EXTERNAL_LINK_REFUSED');
  });

  it('with required agreements: creates only when the request accepts them all, and records nothing otherwise', () => {
    const refusedCreate = decide(when.create({ requiredAgreements: ['email', 'terms'] }), given());
    assert.deepEqual(refusedCreate, { events: [], refusal: 'TERMS_ACCEPTANCE_REQUIRED' });
    assert.deepEqual(types(decide(when.create({ requiredAgreements: ['email'] }), given())), [
      'UserRegistered',
      'ExternalIdentityLinked',
      'SessionOpened',
    ]);
  });

  it('with required agreements: an existing profile signs in once they are accepted, with this sign-in or before', () => {
    const holderState = given(registered(), confirmed(), linked());
    const required = { requiredAgreements: ['terms'] };
    assert.deepEqual(decide(when.holder(required), holderState), { events: [], refusal: 'TERMS_ACCEPTANCE_REQUIRED' });
    const accepting = decide(when.holder({ ...required, agreements: { terms: true } }), holderState);
    assert.deepEqual(types(accepting), ['AccountUpdated', 'SessionOpened']);
    const afterwards = then(holderState, accepting);
    assert.deepEqual(types(decide(when.holder(required), afterwards)), ['SessionOpened'], 'accepted before: nothing more to record');
    const linking = decide(when.byEmail('ann@example.com', required), given(registered(), confirmed()));
    assert.deepEqual(linking, { events: [], refusal: 'TERMS_ACCEPTANCE_REQUIRED' }, 'not even the link is recorded');
  });

  it('a profile without a password cannot change it', () => {
    const state = then(given(), decide(when.create(), given()));
    const decision = decide({ type: 'ChangePassword', verifiedHash: null, newPasswordHash: 'NEW', keepSessionId: 's1', clock }, state);
    assert.equal(decision.refusal, 'PASSWORD_NOT_SET');
    assert.deepEqual(decision.events, []);
  });

  it('publishes the link without the provider subject or any password hash', () => {
    for (const event of decide(when.create(), given()).events) {
      const text = JSON.stringify(toPublicData(event));
      assert.ok(!text.includes('sub-1') && !text.includes('passwordHash'), event.type);
    }
  });
});
