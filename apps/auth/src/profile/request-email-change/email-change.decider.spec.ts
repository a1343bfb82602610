import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileCommand } from '../profile.commands';
import { decide, type Decision } from '../profile.decider';
import type { ProfileEvent } from '../profile.events';
import { toPublicData } from '../profile.public';
import { evolve, initialProfileState, type ProfileState } from '../profile.state';

// given: events → state; when: an email-change command; then: the events it records (and its refusal).
const T0 = '2026-01-01T00:00:00.000Z';
const EXPIRES = '2026-01-02T00:00:00.000Z';
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));
const then = (state: ProfileState, decision: Decision): ProfileState => decision.events.reduce((s, e) => evolve(s, e, T0), state);

const registered = (status: 'active' | 'pending-activation' = 'active'): ProfileEvent => ({
  type: 'UserRegistered',
  data: {
    profileId: 'p1',
    email: 'ann@example.com',
    profile: {},
    agreements: {},
    attributes: {},
    deviceUuid: 'd1',
    registrationMode: status === 'active' ? 'automatic' : 'email-activation',
    status,
    emailConfirmed: false,
    attachedToImportedProfile: false,
    passwordHash: 'HASH',
  },
});
type Cmd<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>;
const request = (over: Partial<Cmd<'RequestEmailChange'>> = {}): Cmd<'RequestEmailChange'> => ({
  type: 'RequestEmailChange',
  proof: { by: 'password', verifiedHash: 'HASH' },
  newEmail: 'new@example.com',
  newEmailTaken: false,
  expiresAt: EXPIRES,
  ...over,
});
const confirm = (over: Partial<Cmd<'ConfirmEmailChange'>> = {}): Cmd<'ConfirmEmailChange'> => ({
  type: 'ConfirmEmailChange',
  now: '2026-01-01T12:00:00.000Z',
  ...over,
});
const requested = (newEmailTaken = false): ProfileEvent => ({
  type: 'EmailChangeRequested',
  data: { profileId: 'p1', expiresAt: EXPIRES, newEmail: 'new@example.com', newEmailTaken },
});

describe('profile decider: email change', () => {
  it('given an active account, when a change is requested with the verified hash, then EmailChangeRequested (no address in public)', () => {
    const decision = decide(request(), given(registered()));
    assert.deepEqual(decision.events, [requested()]);
    assert.deepEqual(toPublicData(decision.events[0]!), { profileId: 'p1', expiresAt: EXPIRES });
  });

  it('given a taken new email, when requested, then the same event kind, flagged, and nothing waits for a token', () => {
    const state = then(given(registered()), decide(request({ newEmailTaken: true }), given(registered())));
    assert.equal(state.kind === 'active' && state.emailChange, undefined);
    assert.deepEqual(decide(confirm(), state), { events: [], refusal: 'TOKEN_INVALID' });
  });

  it('given a password changed since the check, when requested, then refused', () => {
    assert.deepEqual(decide(request({ proof: { by: 'password', verifiedHash: 'OLD' } }), given(registered())), {
      events: [],
      refusal: 'CURRENT_PASSWORD_WRONG',
    });
    assert.deepEqual(decide(request(), given(registered('pending-activation'))), { events: [], refusal: 'NO_ACCOUNT' });
  });

  it('given a linked identity, when a change is requested with a token verified for it, then requested; another identity refuses', () => {
    const linked: ProfileEvent = {
      type: 'ExternalIdentityLinked',
      data: { profileId: 'p1', provider: 'corp', issuer: 'https://idp.example', subject: 'u1', linkedBy: 'verified-email' },
    };
    const state = given(registered(), linked);
    assert.deepEqual(decide(request({ proof: { by: 'external', issuer: 'https://idp.example', subject: 'u1' } }), state).events, [
      requested(),
    ]);
    assert.deepEqual(decide(request({ proof: { by: 'external', issuer: 'https://idp.example', subject: 'u2' } }), state), {
      events: [],
      refusal: 'CURRENT_PASSWORD_WRONG',
    });
  });

  it('given a pending change, when confirmed, then EmailChanged moves the email and confirms it', () => {
    const decision = decide(confirm(), given(registered(), requested()));
    assert.deepEqual(decision.events, [
      { type: 'EmailChanged', data: { profileId: 'p1', previousEmail: 'ann@example.com', email: 'new@example.com' } },
    ]);
    const state = then(given(registered(), requested()), decision);
    assert.equal(state.kind === 'active' && state.email, 'new@example.com');
    assert.equal(state.kind === 'active' && state.emailConfirmed, true);
    assert.deepEqual(decide(confirm(), state), { events: [], refusal: 'TOKEN_INVALID' }, 'nothing pending any more');
  });

  it('given a pending change, when confirmed with a newsletter choice, then the agreement is recorded too', () => {
    const decision = decide(confirm({ newsletterAgreement: true }), given(registered(), requested()));
    assert.deepEqual(
      decision.events.map((e) => e.type),
      ['EmailChanged', 'AccountUpdated'],
    );
  });

  it('given an expired or no pending change, when confirmed, then TOKEN_INVALID', () => {
    assert.deepEqual(decide(confirm({ now: EXPIRES }), given(registered(), requested())), { events: [], refusal: 'TOKEN_INVALID' });
    assert.deepEqual(decide(confirm(), given(registered())), { events: [], refusal: 'TOKEN_INVALID' });
  });
});
