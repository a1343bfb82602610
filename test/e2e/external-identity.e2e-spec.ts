import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OidcIssuerFixture, TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, STRONG_PASSWORD, uniqueEmail } from './helpers';

const CLIENT_ID = 'idstream-e2e-app';

/**
 * Issue 15 end to end: POST /v1/auth/external against a real OpenID Connect issuer on a
 * loopback port (discovery, JWKS over HTTP, RS256 ID tokens), through the gateway.
 */
describe('sign in with an external identity provider', () => {
  const system = new TestSystem();
  let issuer: OidcIssuerFixture;
  let unreachable: OidcIssuerFixture;

  const admin = (method: string, path: string, body: unknown) => system.http(method, path, { body, token: system.adminKey });
  const external = async (body: Record<string, unknown>) => {
    const device = await anonymous(system);
    return system.http('POST', '/v1/auth/external', { token: device.token, body: { provider: 'corp', ...body } });
  };
  const idToken = (claims: Record<string, unknown> = {}) => issuer.issue({ sub: randomUUID(), aud: CLIENT_ID, ...claims });

  before(async () => {
    issuer = await OidcIssuerFixture.start();
    unreachable = await OidcIssuerFixture.start();
    unreachable.setJwksHangs(true);
    // Refetch on an unknown kid at once (the production default waits 30 s between refetches).
    await system.start(undefined, { PROVIDER_KEYS_REFETCH_COOLDOWN_MS: '0', PROVIDER_TIMEOUT_MS: '1500' });
    const workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    const patched = await admin('PATCH', `/v1/admin/workspaces/${workspaceId}`, {
      registrationMode: 'email-confirmation',
      identityProviders: [
        { name: 'corp', issuer: issuer.issuer, clientIds: ['another-app', CLIENT_ID] },
        { name: 'down', issuer: unreachable.issuer, clientIds: [CLIENT_ID] },
        { name: 'google', clientIds: ['g-client'] },
      ],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });

  after(async () => {
    try {
      await system.stop();
    } finally {
      await issuer?.stop();
      await unreachable?.stop();
    }
  });

  it('creates an account on the first sign-in, then signs the same identity in to it', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('ext');
    const token = await idToken({ sub, email, email_verified: true });
    const first = await external({ idToken: token, agreements: { email: true }, attributes: { source: 'corp' }, firstName: 'Nia' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.created, true);
    assert.equal(claimsOf(first.body.token).role, 'customer');
    const account = await system.http('GET', '/v1/account', { token: first.body.token });
    assert.equal(account.status, 200);
    assert.equal(account.body.emailConfirmed, true);
    assert.equal(account.body.agreements.email, true);
    const again = await external({ idToken: await idToken({ sub, email, email_verified: true }) });
    assert.equal(again.status, 200);
    assert.deepEqual([again.body.created, again.body.profileId], [false, first.body.profileId]);
    // A profile without a password cannot change one.
    const change = await system.http('POST', '/v1/account/password', {
      token: again.body.token,
      body: { currentPassword: 'x', newPassword: STRONG_PASSWORD },
    });
    assert.equal(change.body.code, 'PASSWORD_NOT_SET');
    // The session is a password sign-in's: refresh works, sign-out revokes.
    assert.equal((await system.http('POST', '/v1/auth/refresh', { token: again.body.token })).status, 200);
  });

  it('links a confirmed account by the provider-verified email, and refuses an unverified one', async () => {
    const device = await anonymous(system);
    const email = uniqueEmail('link');
    const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(reg.status, 201);
    const confirm = await system.http('POST', '/v1/accounts/confirm', { body: { token: await system.tokenFromMail(email) } });
    assert.equal(confirm.status, 204);
    const unverified = await external({ idToken: await idToken({ email, email_verified: false }) });
    assert.equal(unverified.status, 401);
    assert.equal(unverified.body.code, 'EXTERNAL_TOKEN_INVALID');
    const linked = await external({ idToken: await idToken({ email: email.toLowerCase(), email_verified: true }) });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.deepEqual([linked.body.profileId, linked.body.created], [reg.body.profileId, false]);
  });

  it('never links to an account waiting for its confirmation', async () => {
    const device = await anonymous(system);
    const email = uniqueEmail('pending');
    assert.equal(
      (await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } })).status,
      201,
    );
    const res = await external({ idToken: await idToken({ email, email_verified: true }) });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'EXTERNAL_TOKEN_INVALID');
  });

  it('conditional: answers REGISTRATION_REQUIRED and creates nothing, then SUCCESS once registered', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('cond');
    const res = await external({ idToken: await idToken({ sub, email, email_verified: true }), conditional: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'REGISTRATION_REQUIRED');
    assert.equal(res.body.token, undefined);
    const created = await external({ idToken: await idToken({ sub, email, email_verified: true }) });
    assert.equal(created.body.created, true, 'nothing was created before');
    const success = await external({ idToken: await idToken({ sub, email, email_verified: true }), conditional: true });
    assert.equal(success.body.status, 'SUCCESS');
    assert.equal(success.body.profileId, created.body.profileId);
  });

  it('refuses a wrong audience, a wrong issuer, an expired, a tampered and a replayed token with 401', async () => {
    const [h, , s] = (await idToken()).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'x', aud: CLIENT_ID, iss: issuer.issuer, iat: 1, exp: 4e9 })).toString('base64url');
    const nonced = await idToken({ nonce: 'nonce-a', email: uniqueEmail(), email_verified: true });
    const cases: Record<string, Record<string, unknown>> = {
      audience: { idToken: await idToken({ aud: 'someone-else' }) },
      issuer: { idToken: await idToken({ iss: 'https://accounts.google.com' }) },
      expired: {
        idToken: await issuer.issue({ sub: randomUUID(), aud: CLIENT_ID }, { expiresInSeconds: -600, issuedAtOffsetSeconds: -1200 }),
      },
      tampered: { idToken: `${h}.${forged}.${s}` },
      replayed: { idToken: nonced, nonce: 'nonce-b' },
    };
    for (const [name, body] of Object.entries(cases)) {
      const res = await external(body);
      assert.equal(res.status, 401, name);
      assert.equal(res.body.code, 'EXTERNAL_TOKEN_INVALID', name);
    }
    assert.equal((await external({ idToken: nonced, nonce: 'nonce-a' })).status, 200, 'the nonce it was issued for');
  });

  it('refuses an unknown kid, then accepts it after the provider rotates to that key', async () => {
    const next = await issuer.prepareRotation();
    const claims = { sub: randomUUID(), aud: CLIENT_ID, email: uniqueEmail('rot'), email_verified: true };
    const early = await issuer.issue(claims, { key: next });
    assert.equal((await external({ idToken: early })).status, 401);
    issuer.publish(next);
    const res = await external({ idToken: early });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('answers 503 PROVIDER_UNAVAILABLE, not a hang, when the provider keys do not answer; 400 for an unknown provider', async () => {
    const token = await unreachable.issue({ sub: randomUUID(), aud: CLIENT_ID });
    const res = await external({ provider: 'down', idToken: token });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.code, 'PROVIDER_UNAVAILABLE');
    const unknown = await external({ provider: 'facebook', idToken: await idToken() });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'UNKNOWN_PROVIDER');
  });
});
