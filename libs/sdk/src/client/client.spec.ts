import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdstreamError } from '../errors';
import { Idstream } from '../idstream';
import { sidOf } from '../testing/fake-gateway';
import { setup } from '../testing/setup';
import type { ClientApi } from './client';

type Case = {
  name: string;
  signedIn: boolean;
  call: (c: ClientApi) => Promise<unknown>;
  route: string;
  body?: unknown;
  query?: Record<string, string>;
  token: 'anonymous' | 'customer';
};

/** Every method, the route API.md gives it, its body, and the token it must carry. */
const CASES: Case[] = [
  {
    name: 'registerAccount',
    signedIn: false,
    call: (c) => c.registerAccount({ email: 'a@example.test', password: 'P4ss!word', firstName: 'Ada' }),
    route: 'POST /v1/accounts',
    body: { email: 'a@example.test', password: 'P4ss!word', firstName: 'Ada' },
    token: 'anonymous',
  },
  {
    name: 'confirmAccountActivation',
    signedIn: false,
    call: (c) => c.confirmAccountActivation('tok'),
    route: 'POST /v1/accounts/confirm',
    body: { token: 'tok' },
    token: 'anonymous',
  },
  {
    name: 'requestAccountActivation',
    signedIn: false,
    call: (c) => c.requestAccountActivation('a@example.test'),
    route: 'POST /v1/accounts/confirm/resend',
    body: { email: 'a@example.test' },
    token: 'anonymous',
  },
  {
    name: 'confirmAccountActivationByPin',
    signedIn: false,
    call: (c) => c.confirmAccountActivationByPin('123456', 'a@example.test'),
    route: 'POST /v1/accounts/activate-pin',
    body: { email: 'a@example.test', pin: '123456' },
    token: 'anonymous',
  },
  {
    name: 'requestAccountActivationByPin',
    signedIn: false,
    call: (c) => c.requestAccountActivationByPin('a@example.test'),
    route: 'POST /v1/accounts/activate-pin/resend',
    body: { email: 'a@example.test' },
    token: 'anonymous',
  },
  {
    name: 'signIn',
    signedIn: false,
    call: (c) => c.signIn('a@example.test', 'pw'),
    route: 'POST /v1/auth/sign-in',
    body: { email: 'a@example.test', password: 'pw' },
    token: 'anonymous',
  },
  {
    name: 'signInConditionally',
    signedIn: false,
    call: (c) => c.signInConditionally('a@example.test', 'pw'),
    route: 'POST /v1/auth/sign-in/conditional',
    body: { email: 'a@example.test', password: 'pw' },
    token: 'anonymous',
  },
  {
    name: 'authenticate',
    signedIn: false,
    call: (c) => c.authenticate('id.tok.en', 'google', { agreements: { email: true }, attributes: { source: 'app' }, nonce: 'n-1' }),
    route: 'POST /v1/auth/external',
    body: { provider: 'google', idToken: 'id.tok.en', nonce: 'n-1', agreements: { email: true }, attributes: { source: 'app' } },
    token: 'anonymous',
  },
  {
    name: 'authenticateConditionally',
    signedIn: false,
    call: (c) => c.authenticateConditionally('id.tok.en', 'corp-sso'),
    route: 'POST /v1/auth/external',
    body: { provider: 'corp-sso', idToken: 'id.tok.en', conditional: true },
    token: 'anonymous',
  },
  { name: 'signOut', signedIn: true, call: (c) => c.signOut(), route: 'POST /v1/auth/sign-out', body: undefined, token: 'customer' },
  {
    name: 'signOut fromAllDevices',
    signedIn: true,
    call: (c) => c.signOut({ fromAllDevices: true }),
    route: 'POST /v1/auth/sign-out',
    body: { fromAllDevices: true },
    token: 'customer',
  },
  { name: 'getAccount', signedIn: true, call: (c) => c.getAccount(), route: 'GET /v1/account', token: 'customer' },
  {
    name: 'updateAccount',
    signedIn: true,
    call: (c) => c.updateAccount({ city: 'Oslo', attributes: { tier: 2 } }),
    route: 'PATCH /v1/account',
    body: { city: 'Oslo', attributes: { tier: 2 } },
    token: 'customer',
  },
  {
    name: 'changePassword',
    signedIn: true,
    call: (c) => c.changePassword('N3w!pass', 'Old!pass1'),
    route: 'POST /v1/account/password',
    body: { currentPassword: 'Old!pass1', newPassword: 'N3w!pass' },
    token: 'customer',
  },
  {
    name: 'requestPasswordReset',
    signedIn: false,
    call: (c) => c.requestPasswordReset('a@example.test'),
    route: 'POST /v1/auth/password-reset',
    body: { email: 'a@example.test' },
    token: 'anonymous',
  },
  {
    name: 'confirmPasswordReset',
    signedIn: false,
    call: (c) => c.confirmPasswordReset('tok', 'N3w!pass'),
    route: 'POST /v1/auth/password-reset/confirm',
    body: { token: 'tok', password: 'N3w!pass' },
    token: 'anonymous',
  },
  {
    name: 'requestEmailChange',
    signedIn: true,
    call: (c) => c.requestEmailChange('b@example.test', 'pw'),
    route: 'POST /v1/account/email-change',
    body: { newEmail: 'b@example.test', password: 'pw' },
    token: 'customer',
  },
  {
    name: 'requestEmailChange with an external token',
    signedIn: true,
    call: (c) => c.requestEmailChange('b@example.test', null, 'id.tok.en'),
    route: 'POST /v1/account/email-change',
    body: { newEmail: 'b@example.test', externalToken: 'id.tok.en' },
    token: 'customer',
  },
  {
    name: 'confirmEmailChange',
    signedIn: true,
    call: (c) => c.confirmEmailChange('tok', true),
    route: 'POST /v1/account/email-change/confirm',
    body: { token: 'tok', newsletterAgreement: true },
    token: 'customer',
  },
  {
    name: 'deleteAccount',
    signedIn: true,
    call: (c) => c.deleteAccount('pw'),
    route: 'DELETE /v1/account',
    body: { password: 'pw' },
    token: 'customer',
  },
  {
    name: 'deleteAccount with an external token',
    signedIn: true,
    call: (c) => c.deleteAccount('id.tok.en', 'apple'),
    route: 'DELETE /v1/account',
    body: { externalToken: 'id.tok.en' },
    token: 'customer',
  },
  {
    name: 'getEvents',
    signedIn: true,
    call: (c) => c.getEvents({ from: new Date('2026-01-01T00:00:00Z'), types: ['view', 'buy'], limit: 50 }),
    route: 'GET /v1/account/events',
    query: { from: '2026-01-01T00:00:00.000Z', types: 'view,buy', limit: '50' },
    token: 'customer',
  },
  { name: 'refreshToken', signedIn: true, call: (c) => c.refreshToken(), route: 'POST /v1/auth/refresh', token: 'customer' },
];

describe('client methods', () => {
  it('takes the platform`s own fetch as it is (a type check as much as a test)', () => {
    const withGlobalFetch = Idstream.init({
      baseUrl: 'http://gateway.test',
      apiKey: 'ck',
      fetch,
      storage: undefined,
      tracker: { flushIntervalMs: 60_000 },
    });
    withGlobalFetch.close();
  });

  for (const c of CASES) {
    it(`${c.name} calls ${c.route} with the ${c.token} token`, async () => {
      const { sdk, gateway } = setup();
      if (c.signedIn) await sdk.client.signIn('a@example.test', 'pw');
      const before = gateway.received.length;
      await c.call(sdk.client);
      const [request, ...more] = gateway.received.slice(before).filter((r) => `${r.method} ${r.path}` === c.route);
      assert.ok(request, `no ${c.route}`);
      assert.equal(more.length, 0);
      if ('body' in c) assert.deepEqual(request.body, c.body);
      if (c.query) assert.deepEqual(Object.fromEntries(request.query), c.query);
      assert.equal(sidOf(request.token).startsWith('anon-') ? 'anonymous' : 'customer', c.token);
    });
  }

  it('signIn and signInConditionally (SUCCESS) sign in; deleteAccount signs out with USER_ACCOUNT_DELETED', async () => {
    const { sdk } = setup();
    const reasons: string[] = [];
    sdk.client.onStateChange({ signedOut: (r) => reasons.push(r) });
    assert.deepEqual(await sdk.client.signInConditionally('a@example.test', 'pw'), { status: 'SUCCESS', conditions: [] });
    assert.equal(await sdk.client.isSignedIn(), true);
    await sdk.client.deleteAccount('pw');
    assert.equal(await sdk.client.isSignedIn(), false);
    assert.deepEqual(reasons, ['USER_ACCOUNT_DELETED']);
  });

  it('signInConditionally with a condition answers it and stays signed out', async () => {
    const { sdk, gateway } = setup();
    gateway.on('POST /v1/auth/sign-in/conditional', () => ({
      status: 200,
      body: { status: 'TERMS_ACCEPTANCE_REQUIRED', conditions: ['terms'] },
    }));
    assert.deepEqual(await sdk.client.signInConditionally('a@example.test', 'pw'), {
      status: 'TERMS_ACCEPTANCE_REQUIRED',
      conditions: ['terms'],
    });
    assert.equal(await sdk.client.isSignedIn(), false);
  });

  it('signOutWithSessionDestroy also forgets the device', async () => {
    const { sdk } = setup();
    await sdk.client.signIn('a@example.test', 'pw');
    const uuid = await sdk.client.getUUID();
    await sdk.client.signOut({ mode: 'signOutWithSessionDestroy' });
    assert.notEqual(await sdk.client.getUUID(), uuid);
  });

  it('rejects bad arguments before any request', async () => {
    const { sdk, gateway } = setup();
    await sdk.client.signIn('a@example.test', 'pw');
    const before = gateway.received.length;
    const bad: [string, () => Promise<unknown>][] = [
      ['registerAccount', () => sdk.client.registerAccount({ email: 'no-at', password: 'x' })],
      ['signIn', () => sdk.client.signIn('', 'pw')],
      ['confirmAccountActivationByPin', () => sdk.client.confirmAccountActivationByPin('12', 'a@example.test')],
      ['updateAccount', () => sdk.client.updateAccount({ email: 'x@example.test' } as never)],
      ['changePassword', () => sdk.client.changePassword('', 'x')],
      ['getEvents', () => sdk.client.getEvents({ from: 'yesterday' })],
      ['getEvents limit', () => sdk.client.getEvents({ from: new Date(), limit: 501 })],
      ['signOut mode', () => sdk.client.signOut({ mode: 'nope' as never })],
      ['deleteAccount', () => sdk.client.deleteAccount(undefined as never)],
    ];
    for (const [name, call] of bad) {
      await assert.rejects(call(), (e: IdstreamError) => e instanceof IdstreamError && e.kind === 'validation', name);
    }
    assert.equal(gateway.received.length, before, 'no request was made');
    assert.throws(
      () => Idstream.init({ baseUrl: 'gateway.test', apiKey: 'k' }),
      (e: IdstreamError) => e.kind === 'validation',
    );
  });

  it('a request without an answer fails as network after requestTimeoutMs, never hangs', async () => {
    const { sdk, gateway, timers } = setup({ init: { requestTimeoutMs: 1000 } });
    gateway.on('POST /v1/auth/password-reset', () => 'hang');
    const pending = sdk.client.requestPasswordReset('a@example.test');
    await assert.rejects(timers.until(pending), (e: IdstreamError) => e.kind === 'network' && /1000 ms/.test(e.message));
  });

  it('refuses signIn and registerAccount while signed in (sign out first, as Synerise says)', async () => {
    const { sdk } = setup();
    await sdk.client.signIn('a@example.test', 'pw');
    await assert.rejects(sdk.client.signIn('a@example.test', 'pw'), (e: IdstreamError) => e.code === 'SIGNED_IN');
    await assert.rejects(
      sdk.client.registerAccount({ email: 'b@example.test', password: 'pw' }),
      (e: IdstreamError) => e.code === 'SIGNED_IN',
    );
  });

  it('turns answers into IdstreamError: http with status, code and problem; network', async () => {
    const { sdk, gateway } = setup();
    const problem = { type: 'about:blank', title: 'Conflict', status: 409, code: 'EMAIL_TAKEN', detail: 'taken' };
    gateway.on('POST /v1/accounts', () => ({ status: 409, body: problem }));
    await assert.rejects(sdk.client.registerAccount({ email: 'a@example.test', password: 'pw' }), (e: IdstreamError) => {
      assert.equal(e.kind, 'http');
      assert.equal(e.status, 409);
      assert.equal(e.code, 'EMAIL_TAKEN');
      assert.deepEqual(e.problem, problem);
      return true;
    });
    gateway.on('POST /v1/auth/sign-in', () => ({ status: 401, body: { code: 'INVALID_CREDENTIALS' } }));
    await assert.rejects(
      sdk.client.signIn('a@example.test', 'pw'),
      (e: IdstreamError) => e.kind === 'http' && e.code === 'INVALID_CREDENTIALS',
    );
    gateway.on('POST /v1/auth/password-reset', () => 'network-error');
    await assert.rejects(
      sdk.client.requestPasswordReset('a@example.test'),
      (e: IdstreamError) => e.kind === 'network' && e.status === null,
    );
    await assert.rejects(sdk.client.getAccount(), (e: IdstreamError) => e.kind === 'unauthorized-session' && e.code === 'NOT_SIGNED_IN');
  });
});
