import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestSystem, TopicReader, testKafka } from '@idstream/testing';
import { anonymous, claimsOf, eventsOf, STRONG_PASSWORD } from './helpers';

/**
 * Issue 9, "two addresses, one account", through the gateway: one canonical form per email
 * (canonicalEmail), confusable emails per workspace setting, and imports that never attach to
 * an account whose email is not confirmed.
 */
describe('one email, one account (end to end)', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-email');
  let identity: TopicReader;
  const server = (key = system.serverKey) => ({ authorization: `Bearer ${key}` });
  const admin = () => ({ authorization: `Bearer ${system.adminKey}` });
  const id = () => randomUUID().slice(0, 8);

  before(async () => {
    await system.start();
    identity = await new TopicReader(kafka, system.topics.identityEvents).start();
  });

  after(async () => {
    try {
      await identity?.stop();
    } finally {
      await system.stop();
    }
  });

  const register = async (email: string, apiKey = system.clientApiKey) => {
    const device = await anonymous(system, apiKey);
    return system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD } });
  };
  const signIn = async (email: string, apiKey = system.clientApiKey) => {
    const device = await anonymous(system, apiKey);
    return system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
  };
  const newWorkspace = async (settings: Record<string, unknown>) => {
    const res = await system.http('POST', '/v1/admin/workspaces', { headers: admin(), body: { name: `ws-${id()}`, ...settings } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { workspaceId: string; clientApiKey: string; serverKey: string };
  };

  it('refuses the Kelvin-sign look-alike of kate@, and the real kate@ gets her own account', async () => {
    const n = id();
    const kelvin = await register(`\u212Aate.${n}@example.test`);
    assert.equal(kelvin.status, 400, JSON.stringify(kelvin.body));
    assert.equal(kelvin.body.code, 'VALIDATION_FAILED');
    assert.equal(kelvin.body.errors[0].field, 'email');
    const kate = await register(`kate.${n}@example.test`);
    assert.equal(kate.status, 201, JSON.stringify(kate.body));
  });

  it('takes NFD and NFC of one address for one account: the second registration gets 409', async () => {
    const n = id();
    const nfd = await register(`e\u0301lodie.${n}@example.test`);
    assert.equal(nfd.status, 201, JSON.stringify(nfd.body));
    const nfc = await register(`\u00e9lodie.${n}@example.test`);
    assert.equal(nfc.status, 409, JSON.stringify(nfc.body));
    assert.equal(nfc.body.code, 'EMAIL_TAKEN');
    // ...and either form signs in to it.
    const signedIn = await signIn(`\u00e9lodie.${n}@example.test`);
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.profileId, nfd.body.profileId);
  });

  it('signs in with a differently-cased domain, and with the A-label of an internationalised one', async () => {
    const n = id();
    const reg = await register(`Anna.${n}@B\u00dcCHER.test`);
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    for (const variant of [`anna.${n}@b\u00fccher.TEST`, `Anna.${n}@xn--bcher-kva.test`, `ANNA.${n}@XN--BCHER-KVA.TEST`]) {
      const res = await signIn(variant);
      assert.equal(res.status, 200, `${variant}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.profileId, reg.body.profileId);
    }
    const again = await register(`anna.${n}@xn--bcher-kva.test`);
    assert.equal(again.status, 409);
  });

  it('counts failed sign-ins of every form of one address in one rate-limit bucket', async () => {
    const n = id();
    const reg = await register(`e\u0301mile.${n}@\u00e9cole.test`);
    assert.equal(reg.status, 201);
    const device = await anonymous(system);
    const forms = [`\u00e9mile.${n}@\u00c9COLE.test`, `e\u0301mile.${n}@e\u0301cole.test`, `\u00e9mile.${n}@xn--cole-9oa.test`];
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const body = { email: forms[i % forms.length], password: `Wr0ng!${i}` };
      statuses.push((await system.http('POST', '/v1/auth/sign-in', { token: device.token, body })).status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
  });

  it('finds a profile by any form of its email in GET /v1/backend/profiles?email=', async () => {
    const n = id();
    const imported = await system.http('POST', '/v1/backend/profiles', { headers: server(), body: { email: `Li.${n}@M\u00fcnchen.test` } });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const position = imported.headers.get('x-idstream-position')!;
    for (const variant of [`li.${n}@xn--mnchen-3ya.test`, `LI.${n}@mu\u0308nchen.TEST`]) {
      const found = await system.http('GET', `/v1/backend/profiles?email=${encodeURIComponent(variant)}`, {
        headers: { ...server(), 'x-idstream-position': position },
      });
      assert.equal(found.status, 200, JSON.stringify(found.body));
      assert.deepEqual(
        found.body.items.map((p: { profileId: string }) => p.profileId),
        [imported.body.profileId],
        variant,
      );
      assert.equal(found.body.items[0].email, `Li.${n}@M\u00fcnchen.test`, 'the email is kept as given');
    }
  });

  it('never hands an unconfirmed account the imported data of its email, nor a device recognized by it', async () => {
    const n = id();
    // A squatter registers kate's address (automatic mode: active, never confirmed).
    const squatter = await register(`kate.${n}@example.test`);
    assert.equal(squatter.status, 201);
    const imported = await system.http('POST', '/v1/backend/profiles', {
      headers: server(),
      body: { email: `kate.${n}@example.test`, lastName: 'Secret', attributes: { plan: 'gold' } },
    });
    assert.equal(imported.status, 409, JSON.stringify(imported.body));
    assert.equal(imported.body.code, 'EMAIL_NOT_CONFIRMED');
    assert.ok(!JSON.stringify(imported.body).includes(squatter.body.profileId));
    const device = await anonymous(system);
    const recognized = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
      headers: server(),
      body: { email: `KATE.${n}@example.test` },
    });
    assert.equal(recognized.status, 409, JSON.stringify(recognized.body));
    assert.equal(recognized.body.code, 'EMAIL_NOT_CONFIRMED');
    // The Kelvin squatter could not register at all, so an import of the real address is a profile of its own.
    const real = await system.http('POST', '/v1/backend/profiles', { headers: server(), body: { email: `kate.k${n}@example.test` } });
    assert.equal(real.status, 201);
  });

  it('attaches an import to an account once its email is confirmed', async () => {
    const ws = await newWorkspace({ registrationMode: 'email-confirmation' });
    const email = `conf.${id()}@example.test`;
    const reg = await register(email, ws.clientApiKey);
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const before = await system.http('POST', '/v1/backend/profiles', { headers: server(ws.serverKey), body: { email, lastName: 'Early' } });
    assert.equal(before.status, 409);
    const token = await system.tokenFromMail(email);
    assert.equal((await system.http('POST', '/v1/accounts/confirm', { body: { token } })).status, 204);
    const afterConfirm = await system.http('POST', '/v1/backend/profiles', {
      headers: server(ws.serverKey),
      body: { email, lastName: 'Late' },
    });
    assert.equal(afterConfirm.status, 200, JSON.stringify(afterConfirm.body));
    assert.equal(afterConfirm.body.profileId, reg.body.profileId);
  });

  it('refuses confusable emails by default (EMAIL_CONFUSABLE), and a workspace set to flag registers and records them', async () => {
    const n = id();
    for (const confusable of [`k\u0430te.${n}@example.test`, `\u0441\u043e\u0440\u0443.${Date.now()}@example.test`]) {
      const refused = await register(confusable);
      assert.equal(refused.status, 400, `${confusable}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.code, 'EMAIL_CONFUSABLE');
    }
    const ws = await newWorkspace({ emailConfusables: 'flag' });
    const flagged = await register(`k\u0430te.${n}@example.test`, ws.clientApiKey);
    assert.equal(flagged.status, 201, JSON.stringify(flagged.body));
    const plain = await register(`kate.${n}@example.test`, ws.clientApiKey);
    assert.equal(plain.status, 201, 'the look-alike and the real address are two accounts');
    assert.notEqual(plain.body.profileId, flagged.body.profileId);
    const registered = (profileId: string) =>
      eventsOf(identity.messages, ws.workspaceId).find((e) => e.type === 'UserRegistered' && e.aggregateId === profileId);
    await identity.waitFor(() => !!registered(flagged.body.profileId) && !!registered(plain.body.profileId));
    assert.equal(registered(flagged.body.profileId)!.data.emailConfusable, 'mixed-script');
    assert.equal(registered(plain.body.profileId)!.data.emailConfusable, undefined);
    const settings = await system.http('PATCH', `/v1/admin/workspaces/${ws.workspaceId}`, {
      headers: admin(),
      body: { emailConfusables: 'maybe' },
    });
    assert.equal(settings.status, 400);
  });

  it('answers 400, never 500, to a zero-width character or a lone surrogate in any email field', async () => {
    const device = await anonymous(system);
    const workspaceId = claimsOf(device.token).aud as string;
    assert.ok(workspaceId);
    for (const email of [`ka\uD800te@example.test`, `ka\u200Bte.${id()}@example.test`]) {
      const calls: [string, string, Record<string, string>, unknown][] = [
        ['POST', '/v1/accounts', { authorization: `Bearer ${device.token}` }, { email, password: STRONG_PASSWORD }],
        ['POST', '/v1/auth/sign-in', { authorization: `Bearer ${device.token}` }, { email, password: STRONG_PASSWORD }],
        ['POST', '/v1/accounts/confirm/resend', { authorization: `Bearer ${device.token}` }, { email }],
        ['POST', '/v1/auth/password-reset', { authorization: `Bearer ${device.token}` }, { email }],
        ['POST', '/v1/backend/profiles', server(), { email }],
        ['POST', `/v1/backend/clients/${device.uuid}/recognize`, server(), { email }],
      ];
      for (const [method, path, headers, body] of calls) {
        const res = await system.http(method, path, { headers, body });
        assert.equal(res.status, 400, `${path} with ${JSON.stringify(email)}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.errors?.[0]?.field, 'email', path);
      }
    }
  });
});
