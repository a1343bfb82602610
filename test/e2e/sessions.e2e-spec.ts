import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anonymous, customer, eventsOf, STRONG_PASSWORD, uniqueEmail, identitySystem } from './helpers';

/**
 * Issue 11 parts 1, 2, 5 end to end: sign-out from every device, the backend's session revoke,
 * the close reason on TOKEN_REVOKED, conditional sign-in with requiredAgreements, and deletion
 * of an account by its owner.
 */
describe('sessions, conditional sign-in and account deletion end to end', () => {
  const e2e = identitySystem('e2e-sessions');
  const { system, server } = e2e;

  const secondSession = async (c: { anonToken: string; email: string; password: string }) => {
    const res = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.token as string;
  };
  const assertRevoked = async (token: string, reason: string) => {
    const res = await system.http('GET', '/v1/account', { token });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, 'TOKEN_REVOKED');
    assert.equal(res.body.reason, reason);
  };
  const closeReasonsOf = async (profileId: string, count: number) => {
    const closed = () =>
      eventsOf(e2e.identity.messages, e2e.workspaceId).filter((e) => e.type === 'SessionClosed' && e.aggregateId === profileId);
    await e2e.identity.waitFor(() => closed().length >= count);
    return closed().map((e) => e.data.reason as string);
  };

  describe('sign-out', () => {
    it('with fromAllDevices closes every session of the profile, reason sign-out-all', async () => {
      const c = await customer(system);
      const other = await secondSession(c);
      const res = await system.http('POST', '/v1/auth/sign-out', { token: c.token, body: { fromAllDevices: true } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      await assertRevoked(c.token, 'sign-out-all');
      await assertRevoked(other, 'sign-out-all');
      assert.deepEqual(await closeReasonsOf(c.profileId, 2), ['sign-out-all', 'sign-out-all']);
    });

    it('without it closes the caller`s session only, reason sign-out', async () => {
      const c = await customer(system);
      const other = await secondSession(c);
      assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: c.token })).status, 204);
      await assertRevoked(c.token, 'sign-out');
      assert.equal((await system.http('GET', '/v1/account', { token: other })).status, 200);
    });

    it('refuses a fromAllDevices that is not a boolean, closing nothing', async () => {
      const c = await customer(system);
      const res = await system.http('POST', '/v1/auth/sign-out', { token: c.token, body: { fromAllDevices: 'yes' } });
      assert.equal(res.status, 400);
      assert.equal((await system.http('GET', '/v1/account', { token: c.token })).status, 200);
    });
  });

  describe('backend session revoke', () => {
    it('closes every session with reason admin (204); 404 for an unknown profile; needs the server key', async () => {
      const c = await customer(system);
      const other = await secondSession(c);
      const path = `/v1/backend/profiles/${c.profileId}/sessions/revoke`;
      assert.equal((await system.http('POST', path, { body: {} })).status, 401);
      const res = await system.http('POST', path, { headers: server(), body: { reason: 'fraud review' } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      await assertRevoked(c.token, 'admin');
      await assertRevoked(other, 'admin');
      const unknown = await system.http('POST', '/v1/backend/profiles/no-such-profile/sessions/revoke', { headers: server(), body: {} });
      assert.equal(unknown.status, 404);
      // A new sign-in works: revoking closes sessions, it does not lock the account.
      await secondSession(c);
    });
  });

  describe('conditional sign-in', () => {
    it('answers SUCCESS with a token, and UNAUTHORIZED alike for a wrong password and an unknown email', async () => {
      const c = await customer(system);
      const device = await anonymous(system);
      const ok = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { email: c.email, password: c.password },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.status, 'SUCCESS');
      assert.equal(ok.body.profileId, c.profileId);
      assert.equal((await system.http('GET', '/v1/account', { token: ok.body.token })).status, 200);
      const wrong = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { email: c.email, password: 'Wr0ng!pass' },
      });
      const unknown = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { email: uniqueEmail('nobody'), password: 'Wr0ng!pass' },
      });
      assert.equal(wrong.status, 200);
      assert.deepEqual(wrong.body, { status: 'UNAUTHORIZED', conditions: [] });
      assert.deepEqual(unknown.body, wrong.body);
    });

    it('answers ACTIVATION_REQUIRED for a right password before activation', async () => {
      const ws = await system.http('POST', '/v1/admin/workspaces', {
        token: system.adminKey,
        body: { name: 'activation', registrationMode: 'email-activation' },
      });
      const device = await anonymous(system, ws.body.clientApiKey);
      const email = uniqueEmail('act');
      assert.equal(
        (await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } })).status,
        201,
      );
      const res = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { email, password: STRONG_PASSWORD },
      });
      assert.deepEqual(res.body, { status: 'ACTIVATION_REQUIRED', conditions: [] });
    });

    it('with requiredAgreements: TERMS_ACCEPTANCE_REQUIRED (200 conditional, 403 plain) until a sign-in accepts them', async () => {
      const ws = await system.http('POST', '/v1/admin/workspaces', {
        token: system.adminKey,
        body: { name: 'terms', requiredAgreements: ['terms', 'privacy'] },
      });
      assert.equal(ws.status, 201, JSON.stringify(ws.body));
      assert.deepEqual(ws.body.settings.requiredAgreements, ['terms', 'privacy']);
      const bad = await system.http('PATCH', `/v1/admin/workspaces/${ws.body.workspaceId}`, {
        token: system.adminKey,
        body: { requiredAgreements: ['no spaces'] },
      });
      assert.equal(bad.status, 400);
      const device = await anonymous(system, ws.body.clientApiKey);
      const email = uniqueEmail('terms');
      const reg = await system.http('POST', '/v1/accounts', {
        token: device.token,
        body: { email, password: STRONG_PASSWORD, agreements: { terms: true } },
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const body = { email, password: STRONG_PASSWORD };
      const conditional = await system.http('POST', '/v1/auth/sign-in/conditional', { token: device.token, body });
      assert.deepEqual(conditional.body, { status: 'TERMS_ACCEPTANCE_REQUIRED', conditions: ['privacy'] });
      const plain = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body });
      assert.equal(plain.status, 403);
      assert.equal(plain.body.code, 'TERMS_ACCEPTANCE_REQUIRED');
      assert.deepEqual(plain.body.conditions, ['privacy']);
      assert.equal(plain.body.token, undefined);
      const wrong = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { email, password: 'Wr0ng!pass' },
      });
      assert.deepEqual(wrong.body, { status: 'UNAUTHORIZED', conditions: [] }, 'no agreement is named without the password');
      const accepted = await system.http('POST', '/v1/auth/sign-in/conditional', {
        token: device.token,
        body: { ...body, agreements: { privacy: true } },
      });
      assert.equal(accepted.body.status, 'SUCCESS', JSON.stringify(accepted.body));
      const account = await system.http('GET', '/v1/account', { token: accepted.body.token });
      assert.deepEqual(account.body.agreements, { terms: true, privacy: true });
      assert.equal((await system.http('POST', '/v1/auth/sign-in', { token: device.token, body })).status, 200);
    });
  });

  describe('account deletion by its owner', () => {
    it('needs the password (403 INVALID_CREDENTIALS, nothing erased), then erases with reason account-deleted (202)', async () => {
      const c = await customer(system);
      const other = await secondSession(c);
      const wrong = await system.http('DELETE', '/v1/account', { token: c.token, body: { password: 'Wr0ng!pass' } });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
      assert.equal((await system.http('GET', '/v1/account', { token: c.token })).status, 200);
      assert.equal((await system.http('DELETE', '/v1/account', { token: c.token, body: {} })).status, 400);
      const res = await system.http('DELETE', '/v1/account', { token: c.token, body: { password: c.password } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await assertRevoked(c.token, 'account-deleted');
      await assertRevoked(other, 'account-deleted');
      await e2e.identity.waitFor(() =>
        eventsOf(e2e.identity.messages, e2e.workspaceId).some((e) => e.type === 'ProfileErased' && e.aggregateId === c.profileId),
      );
      assert.deepEqual(await closeReasonsOf(c.profileId, 2), ['account-deleted', 'account-deleted']);
      const signIn = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
      assert.equal(signIn.status, 401);
      assert.equal(signIn.body.code, 'INVALID_CREDENTIALS');
      // The email is free again, as after the backend's erasure.
      assert.equal(
        (await system.http('POST', '/v1/accounts', { token: c.anonToken, body: { email: c.email, password: c.password } })).status,
        201,
      );
    });

    it('limits wrong passwords with 429 before hashing', async () => {
      const c = await customer(system);
      let last = 0;
      for (let i = 0; i < 30 && last !== 429; i++) {
        last = (await system.http('DELETE', '/v1/account', { token: c.token, body: { password: `Wr0ng!pass${i}` } })).status;
      }
      assert.equal(last, 429);
      const right = await system.http('DELETE', '/v1/account', { token: c.token, body: { password: c.password } });
      assert.equal(right.status, 429, 'the limit holds for the right password too');
    });
  });
});
