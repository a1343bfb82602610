import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Idstream, type ClientSessionEndReason, type IdstreamError, memoryStorage } from '@idstream/sdk';
import { type IssueOptions, OidcIssuerFixture, TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, uniqueEmail } from './helpers';

const CLIENT_ID = 'idstream-sdk-e2e-app';

/**
 * Issue 15 in the SDK: authenticate and authenticateConditionally against the real stack, with
 * ID tokens signed by a real OpenID Connect issuer on a loopback port (the test fixture), the
 * workspace configured with it as provider `corp`.
 */
describe('the SDK signs in with an external identity provider', () => {
  const system = new TestSystem();
  let issuer: OidcIssuerFixture;
  const instances: Idstream[] = [];

  const sdk = () => {
    const instance = Idstream.init({ baseUrl: system.gatewayUrl, apiKey: system.clientApiKey, storage: memoryStorage() });
    instances.push(instance);
    return instance;
  };
  const stateOf = (instance: Idstream) => {
    const reasons: ClientSessionEndReason[] = [];
    let signIns = 0;
    instance.client.onStateChange({ signedIn: () => signIns++, signedOut: (reason) => reasons.push(reason) });
    return { reasons, signIns: () => signIns };
  };
  /** A new person at the provider: each call issues a fresh ID token for them. */
  const person = () => {
    const sub = randomUUID();
    const email = uniqueEmail('sdk-ext');
    return {
      email,
      idToken: (claims: Record<string, unknown> = {}, options: IssueOptions = {}) =>
        issuer.issue({ sub, aud: CLIENT_ID, email, email_verified: true, ...claims }, options),
    };
  };

  before(async () => {
    issuer = await OidcIssuerFixture.start();
    await system.start();
    const workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    const patched = await system.http('PATCH', `/v1/admin/workspaces/${workspaceId}`, {
      token: system.adminKey,
      body: { identityProviders: [{ name: 'corp', issuer: issuer.issuer, clientIds: [CLIENT_ID] }] },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });
  after(async () => {
    for (const instance of instances) instance.close();
    try {
      await system.stop();
    } finally {
      await issuer?.stop();
    }
  });

  it('authenticate creates the account, the session works (getAccount, refresh, signOut), a second sign-in finds it', async () => {
    const alice = person();
    const app = sdk();
    const state = stateOf(app);
    const uuid = await app.client.getUUID();
    const first = await app.client.authenticate(await alice.idToken(), 'corp', {
      agreements: { email: true },
      attributes: { source: 'sdk' },
    });
    assert.equal(first.created, true);
    assert.equal(await app.client.isSignedIn(), true);
    assert.equal(state.signIns(), 1);
    const token = await app.client.retrieveToken();
    assert.deepEqual([token.origin, token.profileId, token.uuid], ['IDSTREAM', first.profileId, uuid]);
    assert.equal(claimsOf(token.tokenString).role, 'customer');
    const account = await app.client.getAccount();
    assert.equal(account.profileId, first.profileId);
    assert.equal(account.email.toLowerCase(), alice.email.toLowerCase());
    assert.equal(account.emailConfirmed, true, 'the provider verified the email');
    assert.equal(account.agreements?.email, true);
    assert.deepEqual(account.attributes, { source: 'sdk' });
    await assert.rejects(
      app.client.changePassword('N3w!password', 'no-password-was-set'),
      (e: IdstreamError) => e.kind === 'http' && e.status === 409 && e.code === 'PASSWORD_NOT_SET',
      'an account created through a provider has no password',
    );

    await app.client.refreshToken();
    const refreshed = await app.client.retrieveToken();
    assert.notEqual(refreshed.tokenString, token.tokenString);
    assert.equal(claimsOf(refreshed.tokenString).sid, claimsOf(token.tokenString).sid, 'the same session');
    await app.client.signOut();
    assert.deepEqual(state.reasons, ['USER_SIGN_OUT']);
    assert.equal((await system.http('GET', '/v1/account', { token: refreshed.tokenString })).status, 401, 'the server closed the session');
    assert.equal((await app.client.retrieveToken()).origin, 'ANONYMOUS');

    const again = await app.client.authenticate(await alice.idToken(), 'corp');
    assert.deepEqual(again, { profileId: first.profileId, created: false });
    const otherDevice = await sdk().client.authenticate(await alice.idToken(), 'corp');
    assert.deepEqual(otherDevice, { profileId: first.profileId, created: false });
  });

  it('authenticateConditionally answers REGISTRATION_REQUIRED and creates nothing; once registered, SUCCESS signs in', async () => {
    const bob = person();
    const app = sdk();
    const state = stateOf(app);
    const conditional = await app.client.authenticateConditionally(await bob.idToken(), 'corp');
    assert.equal(conditional.status, 'REGISTRATION_REQUIRED');
    assert.ok(Array.isArray(conditional.conditions));
    assert.equal(await app.client.isSignedIn(), false);
    assert.equal(state.signIns(), 0);
    assert.equal((await app.client.retrieveToken()).origin, 'ANONYMOUS');

    // The app shows its consent screen, then registers with the agreements.
    const created = await app.client.authenticate(await bob.idToken(), 'corp', { agreements: { email: false } });
    assert.equal(created.created, true, 'nothing was created by the conditional call');
    await app.client.signOut();
    assert.deepEqual(await app.client.authenticateConditionally(await bob.idToken(), 'corp'), { status: 'SUCCESS', conditions: [] });
    assert.equal(await app.client.isSignedIn(), true);
    assert.equal((await app.client.getAccount()).profileId, created.profileId);

    // A revocation ends it as it ends a password sign-in's session.
    const revoke = await system.http('POST', `/v1/backend/profiles/${created.profileId}/sessions/revoke`, {
      headers: { authorization: `Bearer ${system.serverKey}` },
      body: {},
    });
    assert.equal(revoke.status, 204);
    await assert.rejects(app.client.getAccount(), (e: IdstreamError) => e.kind === 'unauthorized-session' && e.code === 'TOKEN_REVOKED');
    assert.deepEqual(state.reasons, ['USER_SIGN_OUT', 'SYSTEM_SIGN_OUT']);
    assert.equal(await app.client.isSignedIn(), false);
  });

  it('requestEmailChange and deleteAccount take a fresh ID token of the linked provider instead of the password', async () => {
    const dana = person();
    const app = sdk();
    const state = stateOf(app);
    await app.client.authenticate(await dana.idToken(), 'corp');
    const newEmail = uniqueEmail('sdk-ext-new');
    await app.client.requestEmailChange(newEmail, null, await dana.idToken());
    await app.client.confirmEmailChange(await system.tokenFromMail(newEmail, 1), true);
    assert.equal((await app.client.getAccount()).email, newEmail);
    // A stale ID token, or one of another subject, is refused as a wrong password would be.
    for (const refused of [await dana.idToken({}, { issuedAtOffsetSeconds: -600 }), await person().idToken()]) {
      await assert.rejects(
        app.client.deleteAccount(refused, 'corp'),
        (e: IdstreamError) => e.kind === 'http' && e.status === 403 && e.code === 'INVALID_CREDENTIALS',
      );
    }
    assert.equal(await app.client.isSignedIn(), true, 'nothing was deleted');
    await app.client.deleteAccount(await dana.idToken(), 'corp');
    assert.deepEqual(state.reasons, ['USER_ACCOUNT_DELETED']);
    assert.equal(await app.client.isSignedIn(), false);
  });

  it('a refused ID token rejects with its code (EXTERNAL_TOKEN_INVALID, UNKNOWN_PROVIDER) and the device stays anonymous', async () => {
    const carol = person();
    const app = sdk();
    const state = stateOf(app);
    const refused = (code: string, status: number) => (e: IdstreamError) => {
      assert.deepEqual([e.kind, e.status, e.code], ['http', status, code]);
      return true;
    };
    await assert.rejects(
      app.client.authenticate(await carol.idToken({ aud: 'another-app' }), 'corp'),
      refused('EXTERNAL_TOKEN_INVALID', 401),
    );
    await assert.rejects(
      app.client.authenticateConditionally(await carol.idToken({ aud: 'another-app' }), 'corp'),
      refused('EXTERNAL_TOKEN_INVALID', 401),
    );
    await assert.rejects(app.client.authenticate(await carol.idToken(), 'facebook'), refused('UNKNOWN_PROVIDER', 400));
    const nonced = await carol.idToken({ nonce: 'nonce-a' });
    await assert.rejects(app.client.authenticate(nonced, 'corp', { nonce: 'nonce-b' }), refused('EXTERNAL_TOKEN_INVALID', 401));
    assert.equal(await app.client.isSignedIn(), false);
    assert.equal((await app.client.retrieveToken()).origin, 'ANONYMOUS');
    assert.deepEqual(state.reasons, []);
    assert.equal((await app.client.authenticate(nonced, 'corp', { nonce: 'nonce-a' })).created, true, 'the nonce it was issued for');
  });
});
