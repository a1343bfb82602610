import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OidcIssuerFixture, TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, STRONG_PASSWORD, uniqueEmail } from './helpers';

const CLIENT_ID = 'idstream-reauth-app';

/**
 * Issue 15, account routes for linked profiles: DELETE /v1/account and POST
 * /v1/account/email-change take `externalToken` (a fresh ID token of the linked provider) instead
 * of the password, through the gateway against a loopback OpenID Connect issuer.
 */
describe('account routes re-authenticated with an external identity', () => {
  const system = new TestSystem();
  let issuer: OidcIssuerFixture;
  let other: OidcIssuerFixture;

  const admin = (method: string, path: string, body: unknown) => system.http(method, path, { body, token: system.adminKey });
  const external = async (idToken: string) => {
    const device = await anonymous(system);
    return system.http('POST', '/v1/auth/external', { token: device.token, body: { provider: 'corp', idToken } });
  };
  /** A profile created by its first external sign-in (no password), and a way to mint its ID tokens. */
  const externalProfile = async () => {
    const sub = randomUUID();
    const email = uniqueEmail('reauth');
    const mint = (options: { issuedAtOffsetSeconds?: number; sub?: string } = {}) =>
      issuer.issue({ sub: options.sub ?? sub, aud: CLIENT_ID, email, email_verified: true }, options);
    const signedIn = await external(await mint());
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body.created, true);
    return { token: signedIn.body.token as string, profileId: signedIn.body.profileId as string, email, mint };
  };
  const deleteAccount = (token: string, body: Record<string, unknown>) => system.http('DELETE', '/v1/account', { token, body });
  const emailChange = (token: string, body: Record<string, unknown>) =>
    system.http('POST', '/v1/account/email-change', { token, body: { newEmail: uniqueEmail('new'), ...body } });

  before(async () => {
    issuer = await OidcIssuerFixture.start();
    other = await OidcIssuerFixture.start();
    await system.start(undefined, { PROVIDER_TIMEOUT_MS: '1500' });
    const workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    const patched = await admin('PATCH', `/v1/admin/workspaces/${workspaceId}`, {
      identityProviders: [
        { name: 'corp', issuer: issuer.issuer, clientIds: [CLIENT_ID] },
        { name: 'other', issuer: other.issuer, clientIds: [CLIENT_ID] },
      ],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });

  after(async () => {
    try {
      await system.stop();
    } finally {
      await issuer?.stop();
      await other?.stop();
    }
  });

  it('deletes a linked profile with a fresh ID token of its provider; its sessions close', async () => {
    const profile = await externalProfile();
    const res = await deleteAccount(profile.token, { externalToken: await profile.mint() });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const after = await system.http('GET', '/v1/account', { token: profile.token });
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'TOKEN_REVOKED');
  });

  it('refuses, as a wrong password, a stale token, another subject, another provider, a password or a garbled token', async () => {
    const profile = await externalProfile();
    const otherSubject = await profile.mint({ sub: randomUUID() });
    const cases: Record<string, Record<string, unknown>> = {
      stale: { externalToken: await profile.mint({ issuedAtOffsetSeconds: -600 }) },
      'another subject': { externalToken: otherSubject },
      'another provider': { externalToken: await other.issue({ sub: randomUUID(), aud: CLIENT_ID }) },
      'a password (the profile has none)': { password: STRONG_PASSWORD },
      garbled: { externalToken: 'not.a.jwt' },
    };
    for (const [name, body] of Object.entries(cases)) {
      for (const [route, res] of [
        ['delete', await deleteAccount(profile.token, body)],
        ['email-change', await emailChange(profile.token, body)],
      ] as const) {
        assert.equal(res.status, 403, `${route}, ${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'INVALID_CREDENTIALS', `${route}, ${name}`);
      }
    }
    assert.equal((await system.http('GET', '/v1/account', { token: profile.token })).status, 200, 'nothing was deleted');
  });

  it('asks for exactly one of password and externalToken (400)', async () => {
    const profile = await externalProfile();
    const both = { password: STRONG_PASSWORD, externalToken: await profile.mint() };
    for (const body of [both, {}]) {
      for (const res of [await deleteAccount(profile.token, body), await emailChange(profile.token, body)]) {
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'VALIDATION_FAILED');
        assert.match(res.body.detail, /exactly one/);
      }
    }
  });

  it('starts an email change with a fresh ID token; a password-only profile keeps using its password', async () => {
    const profile = await externalProfile();
    assert.equal((await emailChange(profile.token, { externalToken: await profile.mint() })).status, 202);

    const device = await anonymous(system);
    const email = uniqueEmail('pw');
    assert.equal(
      (await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } })).status,
      201,
    );
    const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
    const foreign = await issuer.issue({ sub: randomUUID(), aud: CLIENT_ID, email, email_verified: true });
    const refused = await emailChange(signIn.body.token, { externalToken: foreign });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'INVALID_CREDENTIALS');
    assert.equal((await emailChange(signIn.body.token, { password: STRONG_PASSWORD })).status, 202);
    assert.equal((await deleteAccount(signIn.body.token, { password: STRONG_PASSWORD })).status, 202);
  });
});
