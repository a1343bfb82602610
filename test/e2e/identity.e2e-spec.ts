import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parseIdentityEvent } from '@idstream/contracts';
import { waitFor } from '@idstream/testing';
import { anonymous, claimsOf, customer, eventsOf, headerOf, STRONG_PASSWORD, uniqueEmail, identitySystem } from './helpers';

/**
 * Issue 3 end to end, through the gateway's HTTP API with the real auth, projector, ingester,
 * Kafka and PostgreSQL: anonymous clients, registration in its three modes, confirmation,
 * sign-in, refresh, sign-out, JWKS and admin workspaces, and the events on identity.events.
 */
describe('identity end to end', () => {
  const e2e = identitySystem('e2e-identity', { sealed: true });
  const { system } = e2e;

  const events = () => eventsOf(e2e.identity.messages, e2e.workspaceId);
  const waitEvent = async (type: string, match: (e: any) => boolean) => {
    await e2e.identity.waitFor(() => events().some((e) => e.type === type && match(e)));
    return events().find((e) => e.type === type && match(e))!;
  };

  describe('anonymous clients', () => {
    it('issues an anonymous token for the uuid, with the anonymous scope only', async () => {
      const uuid = randomUUID();
      const res = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid } });
      assert.equal(res.status, 200);
      assert.equal(res.body.uuid, uuid);
      assert.ok(Date.parse(res.body.expiresAt) > Date.now());
      const claims = claimsOf(res.body.token);
      assert.equal(claims.role, 'anonymous');
      assert.equal(claims.sub, uuid);
      assert.equal(claims.uuid, uuid);
      assert.equal(claims.scope, 'events:track account:register account:sign-in password:reset');
      assert.equal(headerOf(res.body.token).alg, 'EdDSA');
    });

    it('records AnonymousClientCreated once per uuid, in the envelope of §4', async () => {
      const uuid = randomUUID();
      await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid } });
      await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid } });
      const created = await waitEvent('AnonymousClientCreated', (e) => e.aggregateId === uuid);
      assert.equal(created.sequence, 1);
      assert.equal(created.schemaVersion, 1);
      assert.ok(created.correlationId && created.occurredAt && created.id);
      const message = e2e.identity.messages.find((m) => m.value?.includes(created.id))!;
      assert.equal(message.key, uuid);
      assert.equal(message.headers['event-type'], 'AnonymousClientCreated');
      assert.ok(parseIdentityEvent(message.value).ok);
      // a second call for the same uuid records nothing new
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(events().filter((e) => e.type === 'AnonymousClientCreated' && e.aggregateId === uuid).length, 1);
    });

    it('generates a uuid when none is sent', async () => {
      const res = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey } });
      assert.equal(res.status, 200);
      assert.match(res.body.uuid, /^[0-9a-f-]{36}$/);
    });

    it('refuses a bad uuid (400) and an unknown apiKey (401) as problem+json', async () => {
      const bad = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid: 'not-a-uuid' } });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
      const v1 = await system.http('POST', '/v1/auth/anonymous', {
        body: { apiKey: system.clientApiKey, uuid: 'a8098c1a-f86e-11da-bd1a-00112444be1e' },
      });
      assert.equal(v1.status, 400, 'a v1 uuid is refused');
      const unknown = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: 'ck_nope', uuid: randomUUID() } });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.code, 'INVALID_API_KEY');
    });
  });

  describe('registration', () => {
    it('registers in automatic mode and publishes UserRegistered without the password', async () => {
      const device = await anonymous(system);
      const email = uniqueEmail('auto');
      const res = await system.http('POST', '/v1/accounts', {
        token: device.token,
        body: { email, password: STRONG_PASSWORD, firstName: 'Ann', agreements: { email: true }, attributes: { plan: 'pro' } },
      });
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys(res.body).sort(), ['emailConfirmed', 'profileId', 'status']);
      assert.equal(res.body.status, 'active');
      assert.equal(res.body.emailConfirmed, false);
      const registered = await waitEvent('UserRegistered', (e) => e.aggregateId === res.body.profileId);
      assert.equal(registered.data.email, email);
      assert.equal(registered.data.deviceUuid, device.uuid);
      assert.equal(registered.data.registrationMode, 'automatic');
      assert.deepEqual(registered.data.agreements, { email: true });
      assert.ok(!JSON.stringify(registered).includes(STRONG_PASSWORD));
      assert.ok(!JSON.stringify(registered).includes('pbkdf2'));
    });

    it('refuses a taken email, compared case-insensitively (409 EMAIL_TAKEN)', async () => {
      const device = await anonymous(system);
      const email = uniqueEmail('taken');
      assert.equal(
        (await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } })).status,
        201,
      );
      const again = await system.http('POST', '/v1/accounts', {
        token: device.token,
        body: { email: email.toUpperCase(), password: STRONG_PASSWORD },
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'EMAIL_TAKEN');
    });

    it('gives exactly one 201 to 20 concurrent registrations of one email', async () => {
      const device = await anonymous(system);
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 409).length, 19, `statuses: ${statuses.join(',')}`);
    });

    it('names the violated password rules (400 PASSWORD_POLICY) and records nothing', async () => {
      const device = await anonymous(system);
      const email = uniqueEmail('weak');
      const res = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: 'abc' } });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'PASSWORD_POLICY');
      const rules = (res.body.errors as { message: string }[]).map((e) => e.message).join(' ');
      for (const rule of ['minLength', 'uppercase', 'digit', 'symbol']) assert.match(rules, new RegExp(rule));
      const retry = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(retry.status, 201, 'the refused attempt left the email free');
    });

    it('refuses unknown fields, a bad email and a missing token', async () => {
      const device = await anonymous(system);
      const unknown = await system.http('POST', '/v1/accounts', {
        token: device.token,
        body: { email: uniqueEmail(), password: STRONG_PASSWORD, isAdmin: true },
      });
      assert.equal(unknown.status, 400);
      const badEmail = await system.http('POST', '/v1/accounts', {
        token: device.token,
        body: { email: 'nope', password: STRONG_PASSWORD },
      });
      assert.equal(badEmail.status, 400);
      assert.ok((badEmail.body.errors as { field: string }[]).some((e) => e.field === 'email'));
      const noToken = await system.http('POST', '/v1/accounts', { body: { email: uniqueEmail(), password: STRONG_PASSWORD } });
      assert.equal(noToken.status, 401);
    });
  });

  describe('registration modes with mail', () => {
    async function workspace(mode: string) {
      const res = await system.http('POST', '/v1/admin/workspaces', {
        headers: { authorization: `Bearer ${system.adminKey}` },
        body: { name: `ws ${mode}`, registrationMode: mode },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { workspaceId: string; clientApiKey: string; serverKey: string };
    }

    it('email-confirmation: usable at once; the mailed token confirms once', async () => {
      const ws = await workspace('email-confirmation');
      const device = await anonymous(system, ws.clientApiKey);
      const email = uniqueEmail('confirm');
      const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(reg.status, 201);
      assert.equal(reg.body.status, 'active');
      const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(signIn.status, 200, 'usable before confirming');
      const token = await system.tokenFromMail(email);
      const confirmed = await system.http('POST', '/v1/accounts/confirm', { body: { token } });
      assert.equal(confirmed.status, 204, JSON.stringify(confirmed.body));
      const reuse = await system.http('POST', '/v1/accounts/confirm', { body: { token } });
      assert.equal(reuse.status, 400);
      assert.equal(reuse.body.code, 'TOKEN_INVALID');
      await e2e.identity.waitFor(() =>
        eventsOf(e2e.identity.messages, ws.workspaceId).some((e) => e.type === 'EmailConfirmed' && e.data.activated === false),
      );
      const account = await system.http('GET', '/v1/account', { token: signIn.body.token });
      assert.equal(account.body.emailConfirmed, true);
    });

    it('email-activation: sign-in refused until the account is activated', async () => {
      const ws = await workspace('email-activation');
      const device = await anonymous(system, ws.clientApiKey);
      const email = uniqueEmail('activate');
      const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(reg.status, 201);
      assert.equal(reg.body.status, 'pending-activation');
      const early = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(early.status, 403);
      assert.equal(early.body.code, 'ACCOUNT_NOT_ACTIVATED');
      const token = await system.tokenFromMail(email);
      assert.equal((await system.http('POST', '/v1/accounts/confirm', { body: { token } })).status, 204);
      const late = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      assert.equal(late.status, 200);
      await e2e.identity.waitFor(() =>
        eventsOf(e2e.identity.messages, ws.workspaceId).some((e) => e.type === 'EmailConfirmed' && e.data.activated === true),
      );
    });

    it('resend answers 202 whatever the email, and mails only a real unconfirmed account', async () => {
      const ws = await workspace('email-confirmation');
      const device = await anonymous(system, ws.clientApiKey);
      const email = uniqueEmail('resend');
      await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
      await system.tokenFromMail(email, 1);
      const known = await system.http('POST', '/v1/accounts/confirm/resend', { token: device.token, body: { email } });
      const unknownEmail = uniqueEmail('ghost');
      const unknown = await system.http('POST', '/v1/accounts/confirm/resend', { token: device.token, body: { email: unknownEmail } });
      assert.equal(known.status, 202);
      assert.equal(unknown.status, 202);
      assert.deepEqual(known.body, unknown.body);
      const second = await system.tokenFromMail(email, 2);
      assert.equal((await system.http('POST', '/v1/accounts/confirm', { body: { token: second } })).status, 204);
      assert.equal(system.smtp.mailsTo(unknownEmail).length, 0);
    });

    it('admin routes need the admin key', async () => {
      const none = await system.http('POST', '/v1/admin/workspaces', { body: { name: 'x' } });
      assert.ok(none.status === 401 || none.status === 403);
      const wrong = await system.http('POST', '/v1/admin/workspaces', { headers: { authorization: 'Bearer nope' }, body: { name: 'x' } });
      assert.ok(wrong.status === 401 || wrong.status === 403);
      const ws = await workspace('automatic');
      const patched = await system.http('PATCH', `/v1/admin/workspaces/${ws.workspaceId}`, {
        headers: { authorization: `Bearer ${system.adminKey}` },
        body: { accessTokenTtlSeconds: 600, passwordPolicy: { minLength: 10 } },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.accessTokenTtlSeconds, 600);
      assert.equal(patched.body.passwordPolicy.minLength, 10);
    });
  });

  describe('sign-in, refresh and sign-out', () => {
    it('signs in, opens a session linked to the device, and answers unknown email like a wrong password', async () => {
      const c = await customer(system);
      const claims = claimsOf(c.token);
      assert.equal(claims.role, 'customer');
      assert.equal(claims.sub, c.profileId);
      assert.equal(claims.uuid, c.uuid);
      const opened = await waitEvent('SessionOpened', (e) => e.data.sessionId === claims.sid);
      assert.equal(opened.data.deviceUuid, c.uuid);
      assert.equal(opened.aggregateId, c.profileId);

      const wrong = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: 'Wr0ng!pass' } });
      const unknown = await system.http('POST', '/v1/auth/sign-in', {
        token: c.anonToken,
        body: { email: uniqueEmail('nobody'), password: 'Wr0ng!pass' },
      });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
      const { instance: _a, requestId: _c, ...w } = wrong.body;
      const { instance: _b, requestId: _d, ...u } = unknown.body;
      assert.deepEqual(w, u, 'same body for unknown email and wrong password');
      await waitEvent('SignInFailed', (e) => e.data.profileId === c.profileId);
    });

    it('limits failed sign-ins per email (429 TOO_MANY_ATTEMPTS)', async () => {
      const c = await customer(system);
      let last = 0;
      for (let i = 0; i < 11; i++) {
        last = (await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: `Wr0ng!${i}` } }))
          .status;
      }
      assert.equal(last, 429);
      const blocked = await system.http('POST', '/v1/auth/sign-in', { token: c.anonToken, body: { email: c.email, password: c.password } });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.code, 'TOO_MANY_ATTEMPTS');
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    });

    it('refreshes a valid token within the same session', async () => {
      const c = await customer(system);
      const res = await system.http('POST', '/v1/auth/refresh', { token: c.token });
      assert.equal(res.status, 200);
      assert.equal(claimsOf(res.body.token).sid, claimsOf(c.token).sid);
      assert.notEqual(claimsOf(res.body.token).jti, claimsOf(c.token).jti);
      const garbage = await system.http('POST', '/v1/auth/refresh', { token: 'eyJhbGciOiJub25lIn0.e30.' });
      assert.equal(garbage.status, 401);
    });

    it('sign-out revokes every token of the session, also after a gateway restart', async () => {
      const c = await customer(system);
      const refreshed = (await system.http('POST', '/v1/auth/refresh', { token: c.token })).body.token as string;
      assert.equal((await system.http('POST', '/v1/auth/sign-out', { token: refreshed })).status, 204);
      for (const token of [c.token, refreshed]) {
        const res = await system.http('GET', '/v1/account', { token });
        assert.equal(res.status, 401);
        assert.equal(res.body.code, 'TOKEN_REVOKED');
        assert.equal((await system.http('POST', '/v1/auth/refresh', { token })).status, 401);
      }
      const closed = await waitEvent('SessionClosed', (e) => e.data.sessionId === claimsOf(c.token).sid);
      assert.equal(closed.data.reason, 'sign-out');

      await system.stopApp('gateway');
      system.startApp('gateway');
      await system.waitReady(['gateway']);
      const afterRestart = await system.http('GET', '/v1/account', { token: c.token });
      assert.equal(afterRestart.status, 401);
      assert.equal(afterRestart.body.code, 'TOKEN_REVOKED');
    });

    it('sign-out needs a customer token', async () => {
      const device = await anonymous(system);
      const res = await system.http('POST', '/v1/auth/sign-out', { token: device.token });
      assert.ok(res.status === 401 || res.status === 403, String(res.status));
    });

    it('publishes the verifying keys at /.well-known/jwks.json', async () => {
      const c = await customer(system);
      const res = await system.http('GET', '/.well-known/jwks.json');
      assert.equal(res.status, 200);
      const kids = (res.body.keys as { kid: string; alg: string; d?: string }[]).map((k) => k.kid);
      assert.ok(kids.includes(headerOf(c.token).kid as string));
      assert.ok(
        (res.body.keys as { d?: string }[]).every((k) => k.d === undefined),
        'no private key material',
      );
    });
  });

  describe('resilience', () => {
    it('an auth restart under steady load fails requests only inside the restart window, each with a 503', async () => {
      const results: { at: number; end: number; status: number }[] = [];
      let running = true;
      // Two clients, each at about 8 requests a second (under the gateway's per-IP limit).
      const client = async () => {
        while (running) {
          const started = Date.now();
          const res = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid: randomUUID() } });
          results.push({ at: started, end: Date.now(), status: res.status });
          await new Promise((r) => setTimeout(r, 120));
        }
      };
      const loaders = [client(), client()];
      await new Promise((r) => setTimeout(r, 1000));
      const stopAt = Date.now();
      await system.stopApp('auth');
      system.startApp('auth');
      await system.waitReady(['auth']);
      // the gateway reconnects on the next request
      await waitFor(() => results.some((r) => r.at > Date.now() - 2000 && r.status === 200), { timeoutMs: 20_000, what: 'answers again' });
      const backAt = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      running = false;
      await Promise.all(loaders);
      assert.ok(results.length > 20, `${results.length} requests`);
      const unexpected = results.filter((r) => r.status !== 200 && r.status !== 503);
      assert.deepEqual(unexpected, [], `only 200 or 503: ${JSON.stringify(unexpected.slice(0, 5))}`);
      // A request in flight when auth stopped belongs to the window, whenever it started.
      const failedOutside = results.filter((r) => r.status !== 200 && (r.end < stopAt || r.at > backAt));
      assert.deepEqual(failedOutside, [], 'no failure outside the restart window');
      assert.ok(results.filter((r) => r.at > backAt).every((r) => r.status === 200));
    });

    it('answers 503 problem+json (not a hang) while auth is down, and recovers', async () => {
      await system.stopApp('auth');
      const down = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid: randomUUID() } });
      assert.equal(down.status, 503);
      assert.match(down.headers.get('content-type') ?? '', /problem\+json/);
      system.startApp('auth');
      await system.waitReady(['auth']);
      await waitFor(
        async () =>
          (await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey, uuid: randomUUID() } })).status === 200,
        {
          timeoutMs: 20_000,
          what: 'auth back',
        },
      );
    });
  });
});
