import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileCommand } from '../profile.commands';
import { decide, type Decision } from '../profile.decider';
import type { ProfileEvent } from '../profile.events';
import { evolve, initialProfileState, type ProfileState } from '../profile.state';

// given: events → state; when: a PIN command; then: the events it records (and its refusal).
const T0 = '2026-01-01T00:00:00.000Z';
const PIN_EXPIRES = '2026-01-01T00:15:00.000Z';
const given = (...events: ProfileEvent[]): ProfileState => events.reduce((s, e) => evolve(s, e, T0), initialProfileState('p1'));
const then = (state: ProfileState, decision: Decision): ProfileState => decision.events.reduce((s, e) => evolve(s, e, T0), state);

type Cmd<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>;
const registerWithPin = (deviceUuid: string | null = 'd1'): Cmd<'RegisterAccount'> => ({
  type: 'RegisterAccount',
  email: 'ann@example.com',
  passwordHash: 'HASH',
  profile: {},
  agreements: {},
  attributes: {},
  deviceUuid,
  mode: 'email-pin-activation',
  confirmationExpiresAt: '2026-01-02T00:00:00.000Z',
  pinExpiresAt: PIN_EXPIRES,
});
const requestPin = (deviceUuid = 'd2'): Cmd<'RequestActivationPin'> => ({
  type: 'RequestActivationPin',
  deviceUuid,
  expiresAt: PIN_EXPIRES,
});
const activate: Cmd<'ActivateWithPin'> = { type: 'ActivateWithPin' };
const pendingWithPin = (): ProfileState => {
  const s = given();
  return then(s, decide(registerWithPin(), s));
};

describe('profile decider: PIN activation (email-pin-activation)', () => {
  it('given nothing, when registering in PIN mode, then a pending account and a PIN bound to the registering device', () => {
    const decision = decide(registerWithPin(), given());
    const [user, request] = decision.events;
    assert.equal(user?.type === 'UserRegistered' && user.data.status, 'pending-activation');
    assert.deepEqual(request, {
      type: 'EmailConfirmationRequested',
      data: { profileId: 'p1', purpose: 'pin-activation', deviceUuid: 'd1', expiresAt: PIN_EXPIRES },
    });
  });

  it('given nothing, when registering in PIN mode without a device, then no PIN (nothing to bind it to)', () => {
    assert.deepEqual(
      decide(registerWithPin(null), given()).events.map((e) => e.type),
      ['UserRegistered'],
    );
  });

  it('given a pending account, when a device asks for a PIN, then a new PIN bound to that device', () => {
    assert.deepEqual(decide(requestPin('d2'), pendingWithPin()).events, [
      {
        type: 'EmailConfirmationRequested',
        data: { profileId: 'p1', purpose: 'pin-activation', deviceUuid: 'd2', expiresAt: PIN_EXPIRES },
      },
    ]);
  });

  it('given an active account or no account, when a PIN is asked for, then nothing (and no refusal that would tell)', () => {
    const active = then(pendingWithPin(), decide(activate, pendingWithPin()));
    assert.deepEqual(decide(requestPin(), active), { events: [] });
    assert.deepEqual(decide(requestPin(), given()), { events: [] });
  });

  it('given a pending account, when activated with a checked PIN, then EmailConfirmed activates it, email confirmed', () => {
    const decision = decide(activate, pendingWithPin());
    assert.deepEqual(decision, { events: [{ type: 'EmailConfirmed', data: { profileId: 'p1', activated: true } }] });
    const state = then(pendingWithPin(), decision);
    assert.equal(state.kind, 'active');
    assert.equal(state.kind === 'active' && state.emailConfirmed, true);
  });

  it('given an account already active (PIN used), when activated again, then PIN_INVALID and nothing recorded', () => {
    const active = then(pendingWithPin(), decide(activate, pendingWithPin()));
    assert.deepEqual(decide(activate, active), { events: [], refusal: 'PIN_INVALID' });
    assert.deepEqual(decide(activate, given()), { events: [], refusal: 'PIN_INVALID' });
  });

  it('given a pending PIN account, when the link resend is asked, then no link mail (a PIN workspace activates by PIN only)', () => {
    assert.deepEqual(decide({ type: 'RequestConfirmation', mode: 'email-pin-activation', expiresAt: PIN_EXPIRES }, pendingWithPin()), {
      events: [],
    });
  });
});
