import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OidcProviderFixture, TestSystem, type ProviderIdTokenClaims } from '@idstream/testing';
import { anonymous, claimsOf, STRONG_PASSWORD, uniqueEmail } from './helpers';

const CLIENT_ID = 'idstream-e2e-app';
/** Registered at the provider, not accepted by the workspace: its tokens have the wrong audience. */
const STRANGER_CLIENT = 'someone-elses-app';

/**
 * Issue 15 end to end: POST /v1/auth/external through the gateway against a real OpenID Connect
 * provider (`oidc-provider` on a loopback port: its discovery, its JWKS over HTTP, ID tokens it
 * signs itself).
 */
describe('sign in with an external identity provider', () => {
  const system = new TestSystem();
  let provider: OidcProviderFixture;
  let twin: OidcProviderFixture;
  let unreachable: OidcProviderFixture;
  let termsApiKey: string;

  const admin = (method: string, path: string, body: unknown) => system.http(method, path, { body, token: system.adminKey });
  const external = async (body: Record<string, unknown>, apiKey = system.clientApiKey) => {
    const device = await anonymous(system, apiKey);
    return system.http('POST', '/v1/auth/external', { token: device.token, body: { provider: 'corp', ...body } });
  };
  const idToken = (claims: Partial<ProviderIdTokenClaims> = {}) => provider.issue(CLIENT_ID, { sub: randomUUID(), ...claims });

  before(async () => {
    provider = await OidcProviderFixture.start({ clientIds: [CLIENT_ID, 'another-app', STRANGER_CLIENT] });
    // Another issuer signing with the very same keys: only `iss` tells its tokens apart.
    twin = await OidcProviderFixture.start({ clientIds: [CLIENT_ID], keys: provider.keys });
    unreachable = await OidcProviderFixture.start({ clientIds: [CLIENT_ID] });
    unreachable.setJwksHangs(true);
    // Refetch on an unknown kid at once (the production default waits 30 s between refetches).
    await system.start(undefined, {
      PROVIDER_KEYS_REFETCH_COOLDOWN_MS: '0',
      PROVIDER_TIMEOUT_MS: '1500',
      PROVIDER_BREAKER_FAILURES: '2',
      PROVIDER_BREAKER_OPEN_MS: '600000',
    });
    const workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    const identityProviders = [
      { name: 'corp', issuer: provider.issuer, clientIds: ['another-app', CLIENT_ID] },
      { name: 'down', issuer: unreachable.issuer, clientIds: [CLIENT_ID] },
      { name: 'google', clientIds: ['g-client'] },
    ];
    const patched = await admin('PATCH', `/v1/admin/workspaces/${workspaceId}`, {
      registrationMode: 'email-confirmation',
      identityProviders,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const terms = await admin('POST', '/v1/admin/workspaces', { name: 'ext-terms', requiredAgreements: ['terms'] });
    assert.equal(terms.status, 201, JSON.stringify(terms.body));
    termsApiKey = terms.body.clientApiKey;
    const termsProviders = await admin('PATCH', `/v1/admin/workspaces/${terms.body.workspaceId}`, { identityProviders });
    assert.equal(termsProviders.status, 200, JSON.stringify(termsProviders.body));
  });

  after(async () => {
    try {
      await system.stop();
    } finally {
      await provider?.stop();
      await twin?.stop();
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
    assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: again.body.token })).status, 204);
    assert.equal((await system.http('GET', '/v1/account', { token: again.body.token })).body.code, 'TOKEN_REVOKED');
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

  it('with required agreements: TERMS_ACCEPTANCE_REQUIRED (200 conditional, 403 plain) and nothing created until accepted', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('ext-terms');
    const mint = () => idToken({ sub, email, email_verified: true });
    const conditional = await external({ idToken: await mint(), conditional: true, agreements: { email: true } }, termsApiKey);
    assert.deepEqual(conditional.body, { status: 'TERMS_ACCEPTANCE_REQUIRED', conditions: ['terms'] });
    const plain = await external({ idToken: await mint() }, termsApiKey);
    assert.equal(plain.status, 403, JSON.stringify(plain.body));
    assert.equal(plain.body.code, 'TERMS_ACCEPTANCE_REQUIRED');
    assert.deepEqual(plain.body.conditions, ['terms']);
    const accepted = await external({ idToken: await mint(), agreements: { terms: true } }, termsApiKey);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.created, true, 'the refusals created nothing');
    const again = await external({ idToken: await mint(), conditional: true }, termsApiKey);
    assert.equal(again.body.status, 'SUCCESS', 'accepted once, the profile signs in without sending them again');
  });

  it('refuses a wrong audience, a wrong issuer, an expired, a tampered and a replayed token with 401', async () => {
    const [h, , s] = (await idToken()).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'x', aud: CLIENT_ID, iss: provider.issuer, iat: 1, exp: 4e9 })).toString('base64url');
    const nonced = await idToken({ nonce: 'nonce-a', email: uniqueEmail(), email_verified: true });
    const cases: Record<string, Record<string, unknown>> = {
      audience: { idToken: await provider.issue(STRANGER_CLIENT, { sub: randomUUID() }) },
      issuer: { idToken: await twin.issue(CLIENT_ID, { sub: randomUUID() }) },
      expired: { idToken: await provider.issue(CLIENT_ID, { sub: randomUUID() }, { expiresAt: epoch() - 600 }) },
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
    const next = await provider.prepareRotation();
    const claims = { sub: randomUUID(), email: uniqueEmail('rot'), email_verified: true };
    const early = await provider.issue(CLIENT_ID, claims, { key: next });
    assert.equal((await external({ idToken: early })).status, 401);
    await provider.publish(next);
    const res = await external({ idToken: early });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const signedByNewKey = await idToken({ email: uniqueEmail('rot2'), email_verified: true });
    assert.equal((await external({ idToken: signedByNewKey })).status, 200, 'the provider now signs with the new key');
  });

  it('answers 503 PROVIDER_UNAVAILABLE, never a hang, when the keys do not answer; then at once (breaker open), the good provider unaffected', async () => {
    const token = await unreachable.issue(CLIENT_ID, { sub: randomUUID() });
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await external({ provider: 'down', idToken: token });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.code, 'PROVIDER_UNAVAILABLE');
    }
    const fetches = unreachable.jwksFetches;
    const open = await external({ provider: 'down', idToken: token });
    assert.equal(open.status, 503);
    assert.equal(open.body.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(unreachable.jwksFetches, fetches, 'the open breaker answered without calling the provider');
    const good = await external({ idToken: await idToken({ email: uniqueEmail('after'), email_verified: true }) });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    const unknown = await external({ provider: 'facebook', idToken: await idToken() });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'UNKNOWN_PROVIDER');
  });
});

const epoch = (): number => Math.floor(Date.now() / 1000);
