import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, customer } from './helpers';

/**
 * Issue 12: browsers on other origins. Each workspace lists its allowed origins; a preflight is
 * answered from the union, the actual request only for its own workspace's origins; never a
 * wildcard, never credentials, never on secret-key routes.
 */
describe('CORS per workspace', () => {
  const system = new TestSystem();
  const APP_A = 'http://app-a.test:5180';
  const APP_B = 'https://app-b.test';
  const EVIL = 'https://evil.test';
  let workspaceB: { workspaceId: string; clientApiKey: string };

  const admin = (method: string, path: string, body: unknown) => system.http(method, path, { body, token: system.adminKey });
  const preflight = (origin: string, path = '/v1/account', method = 'GET') =>
    fetch(`${system.gatewayUrl}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
    });

  before(async () => {
    await system.start();
    const defaultWorkspace = claimsOf((await anonymous(system)).token).aud as string;
    const patched = await admin('PATCH', `/v1/admin/workspaces/${defaultWorkspace}`, { allowedOrigins: [APP_A] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.allowedOrigins, [APP_A]);
    const created = await admin('POST', '/v1/admin/workspaces', { name: 'B', allowedOrigins: [APP_B] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.settings.allowedOrigins, [APP_B]);
    workspaceB = created.body;
  });
  after(() => system.stop());

  it('answers a preflight for an origin some workspace allows, exactly and without credentials', async () => {
    for (const origin of [APP_A, APP_B]) {
      const res = await preflight(origin);
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.match(res.headers.get('access-control-allow-methods')!, /PATCH/);
      assert.match(res.headers.get('access-control-allow-headers')!, /authorization/);
      assert.match(res.headers.get('vary')!, /Origin/i);
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
      assert.ok(res.headers.get('x-request-id'), 'the gateway`s own headers are there too');
    }
  });

  it('gives an unknown origin, a secret-key route or an odd method no CORS header', async () => {
    for (const res of [
      await preflight(EVIL),
      await preflight(APP_A, '/v1/backend/profiles'),
      await preflight(APP_A, '/v1/account', 'TRACE'),
    ]) {
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
    const plain = await fetch(`${system.gatewayUrl}/v1/account`, { method: 'OPTIONS' });
    assert.equal(plain.status, 404, 'an OPTIONS that is no preflight is still unknown');
  });

  it('holds the actual request to the origins of its own workspace (client key, then token)', async () => {
    const call = (origin: string, apiKey: string) => system.http('POST', '/v1/auth/anonymous', { body: { apiKey }, headers: { origin } });
    assert.equal((await call(APP_A, system.clientApiKey)).headers.get('access-control-allow-origin'), APP_A);
    assert.equal((await call(APP_B, system.clientApiKey)).headers.get('access-control-allow-origin'), null, 'B`s origin, A`s key');
    const asB = await call(APP_B, workspaceB.clientApiKey);
    assert.equal(asB.status, 200);
    assert.equal(asB.headers.get('access-control-allow-origin'), APP_B);
    assert.match(asB.headers.get('access-control-expose-headers')!, /x-request-id/);

    const c = await customer(system);
    const account = (origin: string) => system.http('GET', '/v1/account', { token: c.token, headers: { origin } });
    assert.equal((await account(APP_A)).headers.get('access-control-allow-origin'), APP_A);
    assert.equal((await account(APP_B)).headers.get('access-control-allow-origin'), null);
    assert.equal((await account(EVIL)).headers.get('access-control-allow-origin'), null);
  });

  it('lets the page read a refusal of its own token (a revoked session, with its code)', async () => {
    const c = await customer(system);
    assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: c.token })).status, 204);
    const res = await system.http('GET', '/v1/account', { token: c.token, headers: { origin: APP_A } });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'TOKEN_REVOKED');
    assert.equal(res.headers.get('access-control-allow-origin'), APP_A);
  });

  it('never on backend routes, even from an allowed origin', async () => {
    const res = await system.http('GET', '/v1/backend/profiles?email=x@example.test', {
      token: system.serverKey,
      headers: { origin: APP_A },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('an origin added by an admin works at once, on the gateway that served the change', async () => {
    const NEW = 'https://new.test';
    assert.equal((await preflight(NEW)).headers.get('access-control-allow-origin'), null);
    await admin('PATCH', `/v1/admin/workspaces/${workspaceB.workspaceId}`, { allowedOrigins: [APP_B, NEW] });
    assert.equal((await preflight(NEW)).headers.get('access-control-allow-origin'), NEW);
    await admin('PATCH', `/v1/admin/workspaces/${workspaceB.workspaceId}`, { allowedOrigins: [APP_B] });
    assert.equal((await preflight(NEW)).headers.get('access-control-allow-origin'), null);
  });

  it('refuses settings that are not exact origins', async () => {
    for (const allowedOrigins of [['*'], ['https://app.test/path'], ['null'], 'https://app.test', ['HTTPS://APP.TEST']]) {
      const res = await admin('PATCH', `/v1/admin/workspaces/${workspaceB.workspaceId}`, { allowedOrigins });
      assert.equal(res.status, 400, JSON.stringify(allowedOrigins));
      assert.equal(res.body.errors?.[0]?.field, 'allowedOrigins');
    }
  });
});
