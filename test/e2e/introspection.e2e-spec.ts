import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLOCK_TOLERANCE_SEC, generateSigningKey, signAccessToken, type AccessTokenClaims } from '@idstream/crypto';
import { TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, customer, headerOf, startSystemWithScan } from './helpers';

/**
 * Issue 11 part 7 end to end: POST /v1/backend/tokens/introspect (RFC 7662 shape), answered by
 * the gateway from its signing keys and revocation view.
 */
describe('token introspection end to end', () => {
  const system = new TestSystem();
  /** A second workspace, with the shortest access-token TTL an admin may set. */
  let shortLived: { workspaceId: string; clientApiKey: string; serverKey: string };
  let expiring: { token: string; exp: number };

  startSystemWithScan(system, {
    apps: ['auth', 'profile-projector', 'gateway'],
    setUp: async () => {
      const created = await system.http('POST', '/v1/admin/workspaces', {
        headers: { authorization: `Bearer ${system.adminKey}` },
        body: { name: 'short-lived tokens', accessTokenTtlSeconds: 60 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      shortLived = created.body;
      // Taken first, so that its minute runs out while the other tests run.
      const device = await anonymous(system, shortLived.clientApiKey);
      expiring = { token: device.token, exp: claimsOf(device.token).exp as number };
    },
  });

  const introspect = (body: unknown, serverKey = system.serverKey) =>
    system.http('POST', '/v1/backend/tokens/introspect', { headers: { authorization: `Bearer ${serverKey}` }, body });

  it('describes a valid anonymous token', async () => {
    const device = await anonymous(system);
    const claims = claimsOf(device.token);
    const res = await introspect({ token: device.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      active: true,
      sub: device.uuid,
      sid: claims.sid,
      role: 'anonymous',
      uuid: device.uuid,
      scope: claims.scope,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
    });
  });

  it('describes a valid customer token, then not once it is signed out', async () => {
    const c = await customer(system);
    const res = await introspect({ token: c.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.active, true);
    assert.equal(res.body.role, 'customer');
    assert.equal(res.body.sub, c.profileId);
    assert.equal(res.body.uuid, c.uuid);
    assert.ok(String(res.body.scope).split(' ').includes('account:read'));
    assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: c.token })).status, 204);
    assert.deepEqual((await introspect({ token: c.token })).body, { active: false });
  });

  it('answers active: false for forged tokens, and only that', async () => {
    const device = await anonymous(system);
    const [h, p] = device.token.split('.');
    const claims = claimsOf(device.token) as unknown as AccessTokenClaims;
    // Signed with a key of the forger's own, under the real kid, and with a raised role.
    const key = await generateSigningKey();
    const forgedKey = await signAccessToken({ ...key, kid: headerOf(device.token).kid as string }, { ...claims, role: 'customer' });
    const forgedPayload = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${device.token.split('.')[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    for (const token of [`${h}.${p}.${Buffer.from('forged').toString('base64url')}`, forgedKey, forgedPayload, unsigned, 'not-a-jwt']) {
      const res = await introspect({ token });
      assert.equal(res.status, 200, token);
      assert.deepEqual(res.body, { active: false }, token);
    }
  });

  it('answers active: false for another workspace`s token, active for its own server key', async () => {
    const foreign = await anonymous(system, shortLived.clientApiKey);
    assert.deepEqual((await introspect({ token: foreign.token })).body, { active: false });
    const own = await introspect({ token: foreign.token }, shortLived.serverKey);
    assert.equal(own.body.active, true);
    assert.equal(own.body.aud, shortLived.workspaceId);
  });

  it('refuses a bad body with 400 and a bad server key with 401', async () => {
    for (const body of [{}, { token: '' }, { token: 5 }, { token: 'x', extra: 1 }, ['x']]) {
      const res = await introspect(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    const device = await anonymous(system);
    assert.equal((await introspect({ token: device.token }, 'sk_wrong')).status, 401);
    assert.equal((await system.http('POST', '/v1/backend/tokens/introspect', { body: { token: device.token } })).status, 401);
    assert.equal((await introspect({ token: device.token }, device.token)).status, 403, 'a client token is not a server key');
  });

  it('answers active: false for an expired token', async () => {
    const live = await introspect({ token: expiring.token }, shortLived.serverKey);
    // Still inside its minute when the other tests were quick.
    if (Date.now() < expiring.exp * 1000 - 1000) assert.equal(live.body.active, true);
    // Verifiers allow a few seconds of clock skew past `exp`, introspection like every route.
    const wait = (expiring.exp + DEFAULT_CLOCK_TOLERANCE_SEC) * 1000 + 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    assert.deepEqual((await introspect({ token: expiring.token }, shortLived.serverKey)).body, { active: false });
  });
});
