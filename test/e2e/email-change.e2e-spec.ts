import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@idstream/testing';
import { anonymous, customer, eventsOf, STRONG_PASSWORD, uniqueEmail, identitySystem } from './helpers';

/**
 * Issue 11 part 4 end to end: requestEmailChange / confirmEmailChange through the gateway, the
 * mails to the new and the current address, the answer that never tells a taken address, the
 * moved email index (sign-in, registration) and the projector's lookup by email.
 */
describe('email change end to end', () => {
  const e2e = identitySystem('e2e-email-change');
  const { system, server } = e2e;

  const requestChange = (token: string, newEmail: string, password = STRONG_PASSWORD) =>
    system.http('POST', '/v1/account/email-change', { token, body: { newEmail, password } });
  const lookup = async (email: string): Promise<string[]> => {
    const res = await system.http('GET', `/v1/backend/profiles?email=${encodeURIComponent(email)}`, { headers: server() });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((p: { profileId: string }) => p.profileId);
  };

  it('the token mailed to the new address changes the email (204), confirms it, moves sign-in and the projector lookup', async () => {
    const c = await customer(system);
    await waitFor(async () => (await lookup(c.email)).includes(c.profileId), { timeoutMs: 15_000, what: 'projected profile' });
    const newEmail = uniqueEmail('moved');
    const res = await requestChange(c.token, newEmail);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const token = await system.tokenFromMail(newEmail, 1);
    await waitFor(() => system.smtp.mailsTo(c.email).length >= 1, { timeoutMs: 15_000, what: 'notice to the current address' });
    assert.ok(!system.smtp.mailsTo(c.email)[0]!.text.includes(token), 'the notice carries no token');
    const confirmed = await system.http('POST', '/v1/account/email-change/confirm', { body: { token, newsletterAgreement: true } });
    assert.equal(confirmed.status, 204, JSON.stringify(confirmed.body));
    const account = await system.http('GET', '/v1/account', { token: c.token });
    assert.equal(account.body.email, newEmail);
    assert.equal(account.body.emailConfirmed, true);
    assert.equal(account.body.agreements.newsletter, true);
    const changed = await e2e.identity.waitFor(() =>
      eventsOf(e2e.identity.messages, e2e.workspaceId).some((e) => e.type === 'EmailChanged' && e.aggregateId === c.profileId),
    );
    void changed;
    const requested = eventsOf(e2e.identity.messages, e2e.workspaceId).find(
      (e) => e.type === 'EmailChangeRequested' && e.aggregateId === c.profileId,
    );
    assert.deepEqual(Object.keys(requested?.data ?? {}).sort(), ['expiresAt', 'profileId'], 'no address on the request event');
    await waitFor(async () => (await lookup(newEmail)).includes(c.profileId), { timeoutMs: 15_000, what: 'lookup by the new email' });
    assert.deepEqual(await lookup(c.email), [], 'the old email finds nothing');
    const device = await anonymous(system);
    const signIn = (email: string) =>
      system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal((await signIn(newEmail)).status, 200);
    assert.equal((await signIn(c.email)).status, 401);
    const reuse = await system.http('POST', '/v1/account/email-change/confirm', { body: { token } });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.code, 'TOKEN_INVALID');
    // The old address is free again: it can register.
    const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email: c.email, password: STRONG_PASSWORD } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
  });

  it('a change to a taken address answers exactly as to a free one, mails nothing there and changes nothing', async () => {
    const c = await customer(system);
    const other = await customer(system);
    const free = await requestChange(c.token, uniqueEmail('free'));
    const taken = await requestChange(c.token, other.email.toUpperCase());
    assert.equal(taken.status, free.status);
    assert.equal(taken.status, 202);
    assert.deepEqual(taken.body, free.body);
    await waitFor(() => system.smtp.mailsTo(c.email).length >= 2, { timeoutMs: 15_000, what: 'both notices to the current address' });
    assert.equal(system.smtp.mailsTo(other.email).length, 0, 'the holder of the taken address gets nothing');
    const account = await system.http('GET', '/v1/account', { token: c.token });
    assert.equal(account.body.email, c.email);
  });

  it('refuses a wrong password (403 INVALID_CREDENTIALS), bad or confusable new emails (400), unknown tokens (400), and limits guesses (429)', async () => {
    const c = await customer(system);
    const wrong = await requestChange(c.token, uniqueEmail('x'), 'Wr0ng!pass');
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
    assert.equal((await requestChange(c.token, 'not-an-email')).status, 400);
    const confusable = await requestChange(c.token, `p\u0430ypal-${Date.now()}@example.test`);
    assert.equal(confusable.status, 400);
    const unknown = await system.http('POST', '/v1/account/email-change/confirm', { body: { token: 'x'.repeat(43) } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'TOKEN_INVALID');
    const anonymousCaller = await anonymous(system);
    assert.equal((await requestChange(anonymousCaller.token, uniqueEmail('anon'))).status, 403);
    let last = wrong;
    for (let i = 0; i < 12 && last.status !== 429; i++) last = await requestChange(c.token, uniqueEmail('guess'), 'Wr0ng!pass');
    assert.equal(last.status, 429, JSON.stringify(last.body));
  });

  it('confirming after the new address was taken meanwhile answers 409 EMAIL_TAKEN and changes nothing', async () => {
    const c = await customer(system);
    const newEmail = uniqueEmail('race');
    assert.equal((await requestChange(c.token, newEmail)).status, 202);
    const token = await system.tokenFromMail(newEmail, 1);
    const device = await anonymous(system);
    assert.equal(
      (await system.http('POST', '/v1/accounts', { token: device.token, body: { email: newEmail, password: STRONG_PASSWORD } })).status,
      201,
    );
    const res = await system.http('POST', '/v1/account/email-change/confirm', { token: c.token, body: { token } });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.code, 'EMAIL_TAKEN');
    assert.equal((await system.http('GET', '/v1/account', { token: c.token })).body.email, c.email);
  });
});
