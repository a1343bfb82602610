import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestSystem, TopicReader, testKafka, waitFor } from '@idstream/testing';
import { anonymous, eventsOf, STRONG_PASSWORD, uniqueEmail, startSystemWithScan } from './helpers';

/**
 * Issue 11 part 3 end to end: registration mode `email-pin-activation`, the mailed 6-digit PIN
 * bound to its device, its 5 tries, its resend, and one PIN_INVALID for every kind of wrong.
 */
describe('PIN activation end to end', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-pin');
  let identity: TopicReader;
  let ws: { workspaceId: string; clientApiKey: string };

  startSystemWithScan(system, {
    setUp: async () => {
      identity = await new TopicReader(kafka, system.topics.identityEvents).start();
      const res = await system.http('POST', '/v1/admin/workspaces', {
        headers: { authorization: `Bearer ${system.adminKey}` },
        body: { name: 'ws pin', registrationMode: 'email-pin-activation' },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ws = res.body;
    },
    tearDown: async () => {
      await identity?.stop();
    },
  });

  /** Waits for mail #count to `email` and returns its PIN, registered as a secret for the scan. */
  const pinFromMail = async (email: string, count = 1): Promise<string> => {
    await waitFor(() => system.smtp.mailsTo(email).length >= count, { timeoutMs: 15_000, what: `mail #${count} to ${email}` });
    const pin = /^\s*(\d{6})\s*$/m.exec(system.smtp.mailsTo(email)[count - 1]!.text)?.[1];
    assert.ok(pin, 'the mail carries a 6-digit PIN');
    system.secrets.add(pin, 'pin');
    return pin;
  };
  const registerPending = async () => {
    const device = await anonymous(system, ws.clientApiKey);
    const email = uniqueEmail('pin');
    const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.equal(reg.body.status, 'pending-activation');
    return { device, email, profileId: reg.body.profileId as string, pin: await pinFromMail(email) };
  };
  const activate = (token: string, email: string, pin: string) =>
    system.http('POST', '/v1/accounts/activate-pin', { token, body: { email, pin } });
  const otherPin = (pin: string) => String((Number(pin) + 1) % 1_000_000).padStart(6, '0');
  const signIn = (token: string, email: string) =>
    system.http('POST', '/v1/auth/sign-in', { token, body: { email, password: STRONG_PASSWORD } });

  it('the mailed PIN activates the account from the registering device: 204, active, emailConfirmed, once', async () => {
    const { device, email, profileId, pin } = await registerPending();
    assert.equal((await signIn(device.token, email)).body.code, 'ACCOUNT_NOT_ACTIVATED');
    const res = await activate(device.token, email, pin);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const session = await signIn(device.token, email);
    assert.equal(session.status, 200);
    const account = await system.http('GET', '/v1/account', { token: session.body.token });
    assert.equal(account.body.emailConfirmed, true);
    await identity.waitFor(() =>
      eventsOf(identity.messages, ws.workspaceId).some(
        (e) => e.type === 'EmailConfirmed' && e.aggregateId === profileId && e.data.activated,
      ),
    );
    const request = eventsOf(identity.messages, ws.workspaceId).find(
      (e) => e.type === 'EmailConfirmationRequested' && e.aggregateId === profileId,
    );
    assert.equal(request?.data.purpose, 'pin-activation');
    assert.ok(!JSON.stringify(request).includes(pin), 'the PIN is not on the topic');
    const reuse = await activate(device.token, email, pin);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.code, 'PIN_INVALID');
  });

  it('every kind of wrong answers the same 400 PIN_INVALID: wrong, other device, unknown email, used', async () => {
    const { device, email, pin } = await registerPending();
    const stranger = await anonymous(system, ws.clientApiKey);
    const wrong = await activate(device.token, email, otherPin(pin));
    const otherDevice = await activate(stranger.token, email, pin);
    const unknownEmail = await activate(device.token, uniqueEmail('ghost'), pin);
    for (const res of [wrong, otherDevice, unknownEmail]) {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.headers.get('content-type')?.startsWith('application/problem+json'), true);
    }
    const body = (b: Record<string, unknown>) => ({ ...b, instance: undefined, requestId: undefined, traceId: undefined });
    assert.deepEqual(body(otherDevice.body), body(wrong.body));
    assert.deepEqual(body(unknownEmail.body), body(wrong.body));
    assert.equal(wrong.body.code, 'PIN_INVALID');
    assert.equal((await signIn(stranger.token, email)).body.code, 'ACCOUNT_NOT_ACTIVATED', 'the other device activated nothing');
    // Two tries are counted (wrong digits, other device): the right PIN from the right device still works.
    assert.equal((await activate(device.token, email, pin)).status, 204);
  });

  it('cannot be guessed within its tries: after 5 wrong PINs even the right one fails', async () => {
    const { device, email, pin } = await registerPending();
    let guess = pin;
    for (let i = 0; i < 5; i++) {
      guess = otherPin(guess);
      assert.equal((await activate(device.token, email, guess)).body.code, 'PIN_INVALID');
    }
    const right = await activate(device.token, email, pin);
    assert.equal(right.status, 400);
    assert.equal(right.body.code, 'PIN_INVALID');
    assert.equal((await signIn(device.token, email)).body.code, 'ACCOUNT_NOT_ACTIVATED');
  });

  it('resend answers 202 whatever the email; the new PIN, bound to the asking device, replaces the old', async () => {
    const { email, pin: first } = await registerPending();
    const laptop = await anonymous(system, ws.clientApiKey);
    const known = await system.http('POST', '/v1/accounts/activate-pin/resend', { token: laptop.token, body: { email } });
    const ghost = uniqueEmail('ghost');
    const unknown = await system.http('POST', '/v1/accounts/activate-pin/resend', { token: laptop.token, body: { email: ghost } });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.deepEqual(known.body, unknown.body);
    const second = await pinFromMail(email, 2);
    if (second !== first) assert.equal((await activate(laptop.token, email, first)).body.code, 'PIN_INVALID', 'the old PIN is replaced');
    assert.equal((await activate(laptop.token, email, second)).status, 204);
    assert.equal(system.smtp.mailsTo(ghost).length, 0);
  });

  it('refuses a PIN that is not 6 digits with 400, and limits the tries per email (429)', async () => {
    const device = await anonymous(system, ws.clientApiKey);
    const bad = await activate(device.token, uniqueEmail('bad'), '12ab56');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    const email = uniqueEmail('limited');
    let last = { status: 0, body: {} as any };
    for (let i = 0; i < 11 && last.status !== 429; i++) last = await activate(device.token, email, '000000');
    assert.equal(last.status, 429, JSON.stringify(last.body));
    assert.equal(last.body.code, 'TOO_MANY_ATTEMPTS');
  });
});
