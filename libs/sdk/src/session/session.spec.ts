import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type IdstreamError } from '../errors';
import { memoryStorage } from '../storage/storage';
import { sidOf } from '../testing/fake-gateway';
import { setup } from '../testing/setup';
import type { ClientSessionEndReason } from './session-end';

const signedIn = async () => {
  const t = setup();
  const reasons: ClientSessionEndReason[] = [];
  let signIns = 0;
  t.sdk.client.onStateChange({ signedIn: () => signIns++, signedOut: (reason) => reasons.push(reason) });
  await t.sdk.client.signIn('a@example.test', 'Str0ng!pass');
  return { ...t, reasons, signIns: () => signIns };
};
const seconds = (n: number) => n * 1000;

describe('tokens', () => {
  it('refreshes a customer token used inside the window (1,800 s of 3,600), not before', async () => {
    const { sdk, gateway, clock } = await signedIn();
    clock.now += seconds(1799);
    await sdk.client.getAccount();
    assert.equal(gateway.requests('POST /v1/auth/refresh').length, 0);
    clock.now += seconds(2);
    await sdk.client.getAccount();
    assert.equal(gateway.requests('POST /v1/auth/refresh').length, 1);
    const [, second] = gateway.requests('GET /v1/account');
    assert.equal(second!.token, (await sdk.client.retrieveToken()).tokenString, 'the call used the refreshed token');
    assert.notEqual(second!.token, gateway.requests('POST /v1/auth/refresh')[0]!.token);
  });

  it('sends one refresh for 50 racing calls, and every call uses its result', async () => {
    const { sdk, gateway, clock } = await signedIn();
    clock.now += seconds(2000);
    await Promise.all(Array.from({ length: 50 }, () => sdk.client.getAccount()));
    assert.equal(gateway.requests('POST /v1/auth/refresh').length, 1);
    const tokens = new Set(gateway.requests('GET /v1/account').map((r) => r.token));
    assert.equal(tokens.size, 1);
    assert.equal([...tokens][0], (await sdk.client.retrieveToken()).tokenString);
  });

  it('does not refresh an expired token: signs out (SESSION_EXPIRATION) and goes on anonymous with the same uuid', async () => {
    const { sdk, gateway, clock, reasons } = await signedIn();
    const uuid = await sdk.client.getUUID();
    clock.now += seconds(3601);
    await assert.rejects(sdk.client.getAccount(), (e: IdstreamError) => e.kind === 'unauthorized-session' && e.code === 'NOT_SIGNED_IN');
    assert.equal(gateway.requests('POST /v1/auth/refresh').length, 0);
    assert.equal(gateway.requests('GET /v1/account').length, 0);
    assert.deepEqual(reasons, ['SESSION_EXPIRATION']);
    const token = await sdk.client.retrieveToken();
    assert.equal(token.origin, 'ANONYMOUS');
    assert.equal(token.uuid, uuid);
    assert.equal(gateway.requests('POST /v1/auth/anonymous').at(-1)!.body.uuid, uuid);
  });

  it('a 401 TOKEN_REVOKED signs out with the mapped reason, then anonymous for the same uuid', async () => {
    const { sdk, gateway, reasons } = await signedIn();
    const uuid = await sdk.client.getUUID();
    gateway.on('GET /v1/account', () => ({ status: 401, body: { code: 'TOKEN_REVOKED', reason: 'password-changed' } }));
    await assert.rejects(
      sdk.client.getAccount(),
      (e: IdstreamError) => e.kind === 'unauthorized-session' && e.status === 401 && e.code === 'TOKEN_REVOKED',
    );
    assert.deepEqual(reasons, ['SECURITY_EXCEPTION']);
    assert.equal(await sdk.client.isSignedIn(), false);
    assert.equal((await sdk.client.retrieveToken()).origin, 'ANONYMOUS');
    assert.equal(await sdk.client.getUUID(), uuid);
  });

  it('maps every server close reason to a ClientSessionEndReason', async () => {
    const cases: [string | undefined, ClientSessionEndReason][] = [
      ['sign-out', 'USER_SIGN_OUT'],
      ['sign-out-all', 'USER_SIGN_OUT'],
      ['password-reset', 'SECURITY_EXCEPTION'],
      ['erased', 'CLIENT_REJECTED'],
      ['account-deleted', 'USER_ACCOUNT_DELETED'],
      ['expired', 'SESSION_EXPIRATION'],
      ['admin', 'SYSTEM_SIGN_OUT'],
      ['from-a-newer-server', 'NOT_SPECIFIED'],
      [undefined, 'NOT_SPECIFIED'],
    ];
    for (const [reason, expected] of cases) {
      const { sdk, gateway, reasons } = await signedIn();
      gateway.on('GET /v1/account', () => ({ status: 401, body: { code: 'TOKEN_REVOKED', reason } }));
      await assert.rejects(sdk.client.getAccount());
      assert.deepEqual(reasons, [expected], String(reason));
    }
  });

  it('a refresh refused as expired signs out; a refresh that fails offline keeps the still-valid token', async () => {
    const { sdk, gateway, clock, reasons } = await signedIn();
    clock.now += seconds(2000);
    gateway.on('POST /v1/auth/refresh', () => 'network-error');
    await sdk.client.getAccount();
    assert.equal(await sdk.client.isSignedIn(), true);
    gateway.on('POST /v1/auth/refresh', () => ({ status: 401, body: { code: 'TOKEN_EXPIRED' } }));
    await assert.rejects(sdk.client.getAccount(), (e: IdstreamError) => e.code === 'NOT_SIGNED_IN');
    assert.deepEqual(reasons, ['SESSION_EXPIRATION']);
  });

  it('an anonymous token fetched while signed in never replaces the customer token', async () => {
    const { sdk, gateway, clock } = await signedIn();
    const customer = (await sdk.client.retrieveToken()).tokenString;
    clock.now += seconds(1000); // the anonymous token (fetched at sign-in) is inside its window only later
    clock.now += seconds(1000);
    await sdk.client.requestPasswordReset('a@example.test');
    assert.ok(gateway.requests('POST /v1/auth/anonymous').length >= 2, 'a new anonymous token was fetched');
    const after = await sdk.client.retrieveToken();
    assert.equal(after.origin, 'IDSTREAM');
    assert.equal(sidOf(after.tokenString), sidOf(customer));
  });

  it('two instances on one storage share one uuid and one session, and do not refresh twice', async () => {
    const storage = memoryStorage();
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const a = setup({ storage, clock });
    const b = setup({ storage, clock });
    const [ua, ub] = await Promise.all([a.sdk.client.getUUID(), b.sdk.client.getUUID()]);
    assert.equal(ua, ub);
    let bSignedIn = 0;
    b.sdk.client.onStateChange({ signedIn: () => bSignedIn++ });
    await b.sdk.client.isSignedIn();
    await a.sdk.client.signIn('a@example.test', 'Str0ng!pass');
    assert.equal(await b.sdk.client.isSignedIn(), true);
    assert.equal(bSignedIn, 1, 'b tells its listeners about a sign-in made by a');
    clock.now += 2000 * 1000;
    await a.sdk.client.getAccount();
    await b.sdk.client.getAccount();
    assert.equal(a.gateway.requests('POST /v1/auth/refresh').length + b.gateway.requests('POST /v1/auth/refresh').length, 1);
  });

  it('regenerateUUID is refused while signed in, allowed after sign-out', async () => {
    const { sdk } = await signedIn();
    const uuid = await sdk.client.getUUID();
    await assert.rejects(sdk.client.regenerateUUID(), (e: IdstreamError) => e.kind === 'validation' && e.code === 'SIGNED_IN');
    await sdk.client.signOut();
    const fresh = await sdk.client.regenerateUUID();
    assert.notEqual(fresh, uuid);
    assert.equal(await sdk.client.getUUID(), fresh);
  });

  it('destroySession forgets the device: a new uuid, signed out with SESSION_DESTROYED', async () => {
    const { sdk, reasons } = await signedIn();
    const uuid = await sdk.client.getUUID();
    await sdk.client.destroySession();
    assert.deepEqual(reasons, ['SESSION_DESTROYED']);
    assert.notEqual(await sdk.client.getUUID(), uuid);
  });
});
