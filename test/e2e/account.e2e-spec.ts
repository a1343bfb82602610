import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { anonymous, claimsOf, customer, eventsOf, STRONG_PASSWORD, uniqueEmail, identitySystem } from './helpers';

/**
 * Issue 4 end to end: account self-service, password change and reset, the backend's server
 * key, import, recognize and erasure, with their events on identity.events.
 */
describe('account and backend end to end', () => {
  const e2e = identitySystem('e2e-account', { sealed: true });
  const { system, server } = e2e;

  const waitEvent = async (type: string, match: (e: any) => boolean) => {
    await e2e.identity.waitFor(() => eventsOf(e2e.identity.messages, e2e.workspaceId).some((e) => e.type === type && match(e)));
    return eventsOf(e2e.identity.messages, e2e.workspaceId).find((e) => e.type === type && match(e))!;
  };

  describe('account', () => {
    it('returns the account without password data', async () => {
      const c = await customer(system);
      const res = await system.http('GET', '/v1/account', { token: c.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.profileId, c.profileId);
      assert.equal(res.body.email, c.email);
      const text = JSON.stringify(res.body);
      assert.ok(!/password|hash|pbkdf2/i.test(text), text);
    });

    it('updates every field but email and password, records the changed fields only, and reads its own write', async () => {
      const c = await customer(system);
      const res = await system.http('PATCH', '/v1/account', {
        token: c.token,
        body: { firstName: 'Zoe', city: 'Lyon', agreements: { sms: true }, attributes: { tier: 'gold' } },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.firstName, 'Zoe');
      const read = await system.http('GET', '/v1/account', { token: c.token });
      assert.deepEqual(read.body, res.body);
      const updated = await waitEvent('AccountUpdated', (e) => e.aggregateId === c.profileId);
      assert.deepEqual(updated.data.changes, { firstName: 'Zoe', city: 'Lyon' });
      assert.deepEqual(updated.data.agreements, { sms: true });
      const email = await system.http('PATCH', '/v1/account', { token: c.token, body: { email: uniqueEmail() } });
      assert.equal(email.status, 400);
      assert.equal(email.body.code, 'EMAIL_IMMUTABLE');
      const password = await system.http('PATCH', '/v1/account', { token: c.token, body: { password: STRONG_PASSWORD } });
      assert.equal(password.status, 400);
    });

    it('needs a customer token', async () => {
      const device = await anonymous(system);
      const res = await system.http('GET', '/v1/account', { token: device.token });
      assert.ok(res.status === 401 || res.status === 403);
    });
  });

  describe('password change', () => {
    it('closes the other sessions, whose tokens the gateway then rejects; the caller stays signed in', async () => {
      const c = await customer(system);
      const other = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
      const newPassword = 'N3w!password';
      const res = await system.http('POST', '/v1/account/password', { token: c.token, body: { currentPassword: c.password, newPassword } });
      assert.equal(res.status, 204);
      assert.equal((await system.http('GET', '/v1/account', { token: c.token })).status, 200);
      const rejected = await system.http('GET', '/v1/account', { token: other.body.token });
      assert.equal(rejected.status, 401);
      assert.equal(rejected.body.code, 'TOKEN_REVOKED');
      await waitEvent('PasswordChanged', (e) => e.aggregateId === c.profileId);
      const closed = await waitEvent('SessionClosed', (e) => e.data.sessionId === claimsOf(other.body.token).sid);
      assert.equal(closed.data.reason, 'password-changed');
      const old = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
      assert.equal(old.status, 401);
      assert.equal(
        (await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: newPassword } })).status,
        200,
      );
    });

    it('refuses a wrong current password (403 INVALID_CREDENTIALS) and a weak new one (400 PASSWORD_POLICY)', async () => {
      const c = await customer(system);
      const wrong = await system.http('POST', '/v1/account/password', {
        token: c.token,
        body: { currentPassword: 'Wr0ng!pass', newPassword: 'N3w!password' },
      });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
      const weak = await system.http('POST', '/v1/account/password', {
        token: c.token,
        body: { currentPassword: c.password, newPassword: 'weak' },
      });
      assert.equal(weak.status, 400);
      assert.equal(weak.body.code, 'PASSWORD_POLICY');
    });
  });

  describe('password reset', () => {
    it('answers 202 whatever the email; the mailed token works once and closes every session', async () => {
      const c = await customer(system);
      const known = await system.http('POST', '/v1/auth/password-reset', { token: c.anonToken, body: { email: c.email } });
      const unknown = await system.http('POST', '/v1/auth/password-reset', { token: c.anonToken, body: { email: uniqueEmail('ghost') } });
      assert.equal(known.status, 202);
      assert.equal(unknown.status, 202);
      assert.deepEqual(known.body, unknown.body);
      const token = await system.tokenFromMail(c.email);
      const weak = await system.http('POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'weak' } });
      assert.equal(weak.body.code, 'PASSWORD_POLICY');
      const newPassword = 'Res3t!password';
      assert.equal((await system.http('POST', '/v1/auth/password-reset/confirm', { body: { token, password: newPassword } })).status, 204);
      const again = await system.http('POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'An0ther!password' } });
      assert.equal(again.status, 400);
      assert.equal(again.body.code, 'TOKEN_INVALID');
      const revoked = await system.http('GET', '/v1/account', { token: c.token });
      assert.equal(revoked.status, 401);
      await waitEvent('PasswordResetRequested', (e) => e.aggregateId === c.profileId);
      await waitEvent('PasswordResetCompleted', (e) => e.aggregateId === c.profileId);
      const closed = await waitEvent('SessionClosed', (e) => e.data.sessionId === claimsOf(c.token).sid);
      assert.equal(closed.data.reason, 'password-reset');
      assert.equal(
        (await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: newPassword } })).status,
        200,
      );
    });
  });

  describe('backend', () => {
    it('takes the server key only: a client token gets 403, a wrong key 401', async () => {
      const c = await customer(system);
      const routes: [string, string, unknown?][] = [
        ['POST', '/v1/backend/profiles', { email: uniqueEmail() }],
        ['POST', `/v1/backend/clients/${randomUUID()}/recognize`, { email: c.email }],
        ['GET', `/v1/backend/profiles/${c.profileId}`],
        ['GET', `/v1/backend/profiles?email=${encodeURIComponent(c.email)}`],
        ['DELETE', `/v1/backend/profiles/${c.profileId}`],
      ];
      for (const [method, path, body] of routes) {
        for (const token of [c.token, c.anonToken]) {
          const res = await system.http(method, path, { token, body });
          assert.equal(res.status, 403, `${method} ${path} with a client token`);
        }
        const wrong = await system.http(method, path, { headers: { authorization: 'Bearer sk_wrong' }, body });
        assert.equal(wrong.status, 401, `${method} ${path} with a wrong key`);
      }
    });

    it('imports by email (upsert), and a later registration attaches to the imported profile', async () => {
      const email = uniqueEmail('imported');
      const first = await system.http('POST', '/v1/backend/profiles', {
        headers: server(),
        body: { email, firstName: 'Imp', customId: `c-${randomUUID()}` },
      });
      assert.equal(first.status, 201);
      const again = await system.http('POST', '/v1/backend/profiles', {
        headers: server(),
        body: { email: email.toLowerCase(), lastName: 'Orted' },
      });
      assert.equal(again.status, 200);
      assert.equal(again.body.profileId, first.body.profileId);
      const imported = await waitEvent('ProfileImported', (e) => e.aggregateId === first.body.profileId);
      assert.equal(imported.data.created, true);
      const device = await anonymous(system);
      const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(reg.status, 201);
      assert.equal(reg.body.profileId, first.body.profileId);
      const registered = await waitEvent('UserRegistered', (e) => e.aggregateId === first.body.profileId);
      assert.equal(registered.data.attachedToImportedProfile, true);
      const none = await system.http('POST', '/v1/backend/profiles', { headers: server(), body: { firstName: 'NoKey' } });
      assert.equal(none.status, 400);
    });

    it('recognizes a device by email, customId or profileId; 404 for an unknown profile', async () => {
      const customId = `cust-${randomUUID()}`;
      const imported = await system.http('POST', '/v1/backend/profiles', { headers: server(), body: { customId } });
      const device = await anonymous(system);
      const res = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, { headers: server(), body: { customId } });
      assert.equal(res.status, 200);
      assert.deepEqual({ profileId: res.body.profileId, uuid: res.body.uuid }, { profileId: imported.body.profileId, uuid: device.uuid });
      const recognized = await waitEvent('ClientRecognized', (e) => e.data.uuid === device.uuid);
      assert.equal(recognized.data.matchedBy, 'customId');
      const unknown = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
        headers: server(),
        body: { email: uniqueEmail('ghost') },
      });
      assert.equal(unknown.status, 404);
      // moving the device to another customer names the previous one
      const c = await customer(system);
      const moved = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
        headers: server(),
        body: { profileId: c.profileId },
      });
      assert.equal(moved.status, 200);
      const move = await waitEvent('ClientRecognized', (e) => e.data.uuid === device.uuid && e.data.profileId === c.profileId);
      assert.equal(move.data.previousProfileId, imported.body.profileId);
    });

    it('sign-in links the device in SessionOpened', async () => {
      const c = await customer(system);
      const opened = await waitEvent('SessionOpened', (e) => e.aggregateId === c.profileId);
      assert.equal(opened.data.deviceUuid, c.uuid);
    });

    it('erasure closes the sessions and disables sign-in', async () => {
      const c = await customer(system);
      const res = await system.http('DELETE', `/v1/backend/profiles/${c.profileId}`, { headers: server() });
      assert.equal(res.status, 202);
      const revoked = await system.http('GET', '/v1/account', { token: c.token });
      assert.equal(revoked.status, 401);
      const signIn = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
      assert.equal(signIn.status, 401);
      assert.equal(signIn.body.code, 'INVALID_CREDENTIALS');
      const erased = await waitEvent('ProfileErased', (e) => e.aggregateId === c.profileId);
      assert.ok(erased.data.erasedAt);
      const closed = await waitEvent('SessionClosed', (e) => e.data.sessionId === claimsOf(c.token).sid);
      assert.equal(closed.data.reason, 'erased');
      const missing = await system.http('DELETE', `/v1/backend/profiles/${randomUUID()}`, { headers: server() });
      assert.equal(missing.status, 404);
      // the email is free again for a new, unrelated account
      const device = await anonymous(system);
      const again = await system.http('POST', '/v1/accounts', { token: device.token, body: { email: c.email, password: STRONG_PASSWORD } });
      assert.equal(again.status, 201);
      assert.notEqual(again.body.profileId, c.profileId);
    });

    it('answers profile queries from the read model, waiting for the position of a write', async () => {
      const email = uniqueEmail('query');
      const customId = `q-${randomUUID()}`;
      const imported = await system.http('POST', '/v1/backend/profiles', {
        headers: server(),
        body: { email, customId, firstName: 'Quinn' },
      });
      assert.equal(imported.status, 201);
      const position = imported.headers.get('x-idstream-position');
      assert.ok(position, 'a write returns its position');
      const byId = await system.http('GET', `/v1/backend/profiles/${imported.body.profileId}`, {
        headers: { ...server(), 'x-idstream-position': position },
      });
      assert.equal(byId.status, 200, JSON.stringify(byId.body));
      assert.equal(byId.body.firstName, 'Quinn');
      for (const query of [`email=${encodeURIComponent(email.toUpperCase())}`, `customId=${encodeURIComponent(customId)}`]) {
        const found: { status: number; body: { items: { profileId: string }[] } } = await system.http(
          'GET',
          `/v1/backend/profiles?${query}`,
          { headers: { ...server(), 'x-idstream-position': position } },
        );
        assert.equal(found.status, 200);
        assert.deepEqual(
          found.body.items.map((p: { profileId: string }) => p.profileId),
          [imported.body.profileId],
          query,
        );
      }
      const device = await anonymous(system);
      const recognized = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, { headers: server(), body: { email } });
      const byUuid = await system.http('GET', `/v1/backend/profiles?uuid=${device.uuid}`, {
        headers: { ...server(), 'x-idstream-position': recognized.headers.get('x-idstream-position')! },
      });
      assert.deepEqual(
        byUuid.body.items.map((p: { profileId: string }) => p.profileId),
        [imported.body.profileId],
      );
      const missing = await system.http('GET', `/v1/backend/profiles/${randomUUID()}`, { headers: server() });
      assert.equal(missing.status, 404);
      const twoKeys = await system.http('GET', `/v1/backend/profiles?email=a@b.c&customId=x`, { headers: server() });
      assert.equal(twoKeys.status, 400);
    });
  });
});
