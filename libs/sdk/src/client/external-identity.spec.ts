import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdstreamError } from '../errors';
import type { ClientSessionEndReason } from '../session/session-end';
import { memoryStorage } from '../storage/storage';
import { sidOf } from '../testing/fake-gateway';
import { setup } from '../testing/setup';
import type { ExternalAuthErrorCode } from './client.types';

const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

const watched = (options: Parameters<typeof setup>[0] = {}) => {
  const t = setup(options);
  const reasons: ClientSessionEndReason[] = [];
  let signIns = 0;
  t.sdk.client.onStateChange({ signedIn: () => signIns++, signedOut: (reason) => reasons.push(reason) });
  return { ...t, reasons, signIns: () => signIns };
};

describe('authenticate and authenticateConditionally (external identity)', () => {
  it('authenticate stores the session as signIn does: the customer token, refresh, sign-out', async () => {
    const { sdk, gateway, clock, reasons, signIns } = watched();
    gateway.on('POST /v1/auth/external', () => ({
      status: 200,
      body: { ...gateway.token('customer', 'ext-1'), profileId: 'p-ext', created: true },
    }));
    const uuid = await sdk.client.getUUID();
    assert.deepEqual(await sdk.client.authenticate(ID_TOKEN, 'google'), { profileId: 'p-ext', created: true });
    assert.equal(await sdk.client.isSignedIn(), true);
    assert.equal(signIns(), 1);
    const token = await sdk.client.retrieveToken();
    assert.deepEqual([token.origin, token.profileId, token.uuid, sidOf(token.tokenString)], ['IDSTREAM', 'p-ext', uuid, 'ext-1']);
    await sdk.client.getAccount();
    assert.equal(gateway.requests('GET /v1/account')[0]!.token, token.tokenString, 'customer calls carry the stored token');
    // Inside the refresh window the session is refreshed like a password sign-in's.
    clock.now += 1801 * 1000;
    await sdk.client.getAccount();
    const [refresh] = gateway.requests('POST /v1/auth/refresh');
    assert.equal(refresh?.token, token.tokenString);
    const refreshed = (await sdk.client.retrieveToken()).tokenString;
    assert.notEqual(refreshed, token.tokenString);
    assert.equal(sidOf(refreshed), 'ext-1', 'the same session after the refresh');
    await sdk.client.signOut();
    assert.equal(gateway.requests('POST /v1/auth/sign-out')[0]!.token, refreshed);
    assert.deepEqual(reasons, ['USER_SIGN_OUT']);
    assert.equal((await sdk.client.retrieveToken()).origin, 'ANONYMOUS');
  });

  it('the session survives a new instance on the same storage, and a revocation signs it out with its reason', async () => {
    const storage = memoryStorage();
    const first = setup({ storage });
    await first.sdk.client.authenticate(ID_TOKEN, 'apple');
    const second = watched({ storage, clock: first.clock });
    assert.equal(await second.sdk.client.isSignedIn(), true);
    second.gateway.on('GET /v1/account', () => ({ status: 401, body: { code: 'TOKEN_REVOKED', reason: 'admin' } }));
    await assert.rejects(
      second.sdk.client.getAccount(),
      (e: IdstreamError) => e.kind === 'unauthorized-session' && e.code === 'TOKEN_REVOKED',
    );
    assert.deepEqual(second.reasons, ['SYSTEM_SIGN_OUT']);
    assert.equal(await first.sdk.client.isSignedIn(), false);
    first.sdk.close();
    second.sdk.close();
  });

  it('authenticateConditionally: REGISTRATION_REQUIRED stores nothing and stays anonymous; SUCCESS signs in', async () => {
    const { sdk, gateway, signIns } = watched();
    const anonymous = (await sdk.client.retrieveToken()).tokenString;
    gateway.on('POST /v1/auth/external', () => ({
      status: 200,
      body: { status: 'REGISTRATION_REQUIRED', conditions: ['REGISTRATION_REQUIRED'] },
    }));
    assert.deepEqual(await sdk.client.authenticateConditionally(ID_TOKEN, 'google', { nonce: 'n' }), {
      status: 'REGISTRATION_REQUIRED',
      conditions: ['REGISTRATION_REQUIRED'],
    });
    assert.equal(await sdk.client.isSignedIn(), false);
    assert.equal(signIns(), 0);
    assert.equal((await sdk.client.retrieveToken()).tokenString, anonymous, 'the anonymous token is kept');
    gateway.on('POST /v1/auth/external', () => ({
      status: 200,
      body: { status: 'SUCCESS', conditions: [], ...gateway.token('customer', 'ext-2'), profileId: 'p2', created: false },
    }));
    assert.deepEqual(await sdk.client.authenticateConditionally(ID_TOKEN, 'google'), { status: 'SUCCESS', conditions: [] });
    assert.equal(await sdk.client.isSignedIn(), true);
    assert.equal((await sdk.client.retrieveToken()).profileId, 'p2');
  });

  it('authenticateConditionally: TERMS_ACCEPTANCE_REQUIRED answers the agreements to accept and stays anonymous', async () => {
    const { sdk, gateway } = setup();
    gateway.on('POST /v1/auth/external', () => ({
      status: 200,
      body: { status: 'TERMS_ACCEPTANCE_REQUIRED', conditions: ['terms', 'privacy'] },
    }));
    assert.deepEqual(await sdk.client.authenticateConditionally(ID_TOKEN, 'google'), {
      status: 'TERMS_ACCEPTANCE_REQUIRED',
      conditions: ['terms', 'privacy'],
    });
    assert.equal(await sdk.client.isSignedIn(), false);
  });

  it('both are refused while signed in (SIGNED_IN), before any request', async () => {
    const { sdk, gateway } = setup();
    await sdk.client.signIn('a@example.test', 'pw');
    for (const call of [
      () => sdk.client.authenticate(ID_TOKEN, 'google'),
      () => sdk.client.authenticateConditionally(ID_TOKEN, 'google'),
    ]) {
      await assert.rejects(call(), (e: IdstreamError) => e.kind === 'validation' && e.code === 'SIGNED_IN');
    }
    assert.equal(gateway.requests('POST /v1/auth/external').length, 0);
  });

  it('maps refusals to IdstreamError (http, with the code and Retry-After), and the device stays anonymous', async () => {
    const { sdk, gateway, reasons } = watched();
    const anonymous = (await sdk.client.retrieveToken()).tokenString;
    const refusals: [number, ExternalAuthErrorCode, string | undefined][] = [
      [401, 'EXTERNAL_TOKEN_INVALID', undefined],
      [403, 'TERMS_ACCEPTANCE_REQUIRED', undefined],
      [400, 'UNKNOWN_PROVIDER', undefined],
      [503, 'PROVIDER_UNAVAILABLE', '5'],
      [429, 'TOO_MANY_ATTEMPTS', '60'],
    ];
    for (const [status, code, retryAfter] of refusals) {
      gateway.on('POST /v1/auth/external', () => ({
        status,
        body: { type: 'about:blank', status, code, detail: 'refused', ...(status === 403 ? { conditions: ['terms'] } : {}) },
        headers: retryAfter ? { 'retry-after': retryAfter } : undefined,
      }));
      for (const call of [() => sdk.client.authenticate(ID_TOKEN, 'corp'), () => sdk.client.authenticateConditionally(ID_TOKEN, 'corp')]) {
        await assert.rejects(call(), (e: IdstreamError) => {
          assert.ok(e instanceof IdstreamError);
          assert.deepEqual([e.kind, e.status, e.code, e.problem?.code, e.retryAfter], ['http', status, code, code, retryAfter ?? null]);
          if (status === 403) assert.deepEqual(e.problem?.conditions, ['terms']);
          return true;
        });
      }
    }
    gateway.on('POST /v1/auth/external', () => 'network-error');
    await assert.rejects(sdk.client.authenticate(ID_TOKEN, 'corp'), (e: IdstreamError) => e.kind === 'network');
    assert.equal(await sdk.client.isSignedIn(), false);
    assert.deepEqual(reasons, []);
    // A refused ID token is not a refused session: the anonymous token is neither dropped nor replaced.
    assert.equal((await sdk.client.retrieveToken()).tokenString, anonymous);
    assert.equal(gateway.requests('POST /v1/auth/anonymous').length, 1);
    for (const r of gateway.requests('POST /v1/auth/external')) assert.equal(r.token, anonymous);
  });

  it('rejects bad arguments before any request', async () => {
    const { sdk, gateway } = setup();
    const bad: [string, () => Promise<unknown>][] = [
      ['empty idToken', () => sdk.client.authenticate('', 'google')],
      ['idToken not a string', () => sdk.client.authenticate({} as never, 'google')],
      ['idToken too long', () => sdk.client.authenticate('x'.repeat(16_385), 'google')],
      ['Synerise enum name', () => sdk.client.authenticate(ID_TOKEN, 'GOOGLE')],
      ['provider with a space', () => sdk.client.authenticateConditionally(ID_TOKEN, 'my idp')],
      ['context not an object', () => sdk.client.authenticate(ID_TOKEN, 'google', 'ctx' as never)],
      ['unknown context field', () => sdk.client.authenticate(ID_TOKEN, 'google', { firstName: 'Ada' } as never)],
      ['empty nonce', () => sdk.client.authenticate(ID_TOKEN, 'google', { nonce: '' })],
      ['agreement not a boolean', () => sdk.client.authenticate(ID_TOKEN, 'google', { agreements: { email: 'yes' } } as never)],
      ['attributes an array', () => sdk.client.authenticateConditionally(ID_TOKEN, 'google', { attributes: [] as never })],
    ];
    for (const [name, call] of bad) {
      await assert.rejects(
        call(),
        (e: IdstreamError) => e instanceof IdstreamError && e.kind === 'validation' && e.code === 'INVALID_ARGUMENT',
        name,
      );
    }
    assert.equal(gateway.requests('POST /v1/auth/external').length, 0);
  });
});

describe('deleteAccount and requestEmailChange with an external token', () => {
  it('send externalToken instead of password, and deleteAccount signs out with USER_ACCOUNT_DELETED', async () => {
    const { sdk, gateway, reasons } = watched();
    await sdk.client.authenticate(ID_TOKEN, 'google');
    await sdk.client.requestEmailChange('b@example.test', null, 'fresh.id.token');
    assert.deepEqual(gateway.requests('POST /v1/account/email-change')[0]!.body, {
      newEmail: 'b@example.test',
      externalToken: 'fresh.id.token',
    });
    await sdk.client.deleteAccount('fresh.id.token', 'google');
    assert.deepEqual(gateway.requests('DELETE /v1/account')[0]!.body, { externalToken: 'fresh.id.token' });
    assert.deepEqual(reasons, ['USER_ACCOUNT_DELETED']);
  });

  it('the password stays the default factor: deleteAccount(password) and deleteAccount(password, IDSTREAM)', async () => {
    const { sdk, gateway } = setup();
    await sdk.client.signIn('a@example.test', 'pw');
    await sdk.client.deleteAccount('pw', 'IDSTREAM');
    assert.deepEqual(gateway.requests('DELETE /v1/account')[0]!.body, { password: 'pw' });
  });

  it('rejects both factors, neither, or a bad provider before any request', async () => {
    const { sdk, gateway } = setup();
    await sdk.client.authenticate(ID_TOKEN, 'google');
    const before = gateway.received.length;
    const bad: [string, () => Promise<unknown>][] = [
      ['both', () => sdk.client.requestEmailChange('b@example.test', 'pw', 'tok')],
      ['neither', () => sdk.client.requestEmailChange('b@example.test', null)],
      ['neither, explicitly', () => sdk.client.requestEmailChange('b@example.test', null, null)],
      ['empty external token', () => sdk.client.requestEmailChange('b@example.test', null, '')],
      ['bad provider', () => sdk.client.deleteAccount('tok', 'Not A Provider')],
      ['empty token', () => sdk.client.deleteAccount('', 'google')],
    ];
    for (const [name, call] of bad) {
      await assert.rejects(call(), (e: IdstreamError) => e.kind === 'validation' && e.code === 'INVALID_ARGUMENT', name);
    }
    assert.equal(gateway.received.length, before, 'no request was made');
    assert.equal(await sdk.client.isSignedIn(), true);
  });
});
