import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  TestSystem,
  TopicReader,
  freePort,
  startNodeProcess,
  testKafka,
  waitFor,
  type ReadMessage,
  type RunningProcess,
} from '@idstream/testing';
import { anonymous, STRONG_PASSWORD, uniqueEmail, startSystemWithScan } from './helpers';

/**
 * Crypto-shredding end to end (docs/architecture.md "Erasure"): after an erasure, no message
 * of identity.events (from offset 0) and no row of auth.events yields any value the profile
 * ever had, the stream still refuses commands cleanly, a rebuild of the read model from
 * offset 0 gives a tombstone, and a crash between the key's destruction and the erasure's
 * publication ends erased all the same.
 */
describe('erasure reaches all of history (crypto-shredding)', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-erasure');
  let db: Client;
  const server = () => ({ authorization: `Bearer ${system.serverKey}` });

  startSystemWithScan(system, {
    setUp: async () => {
      db = new Client({ connectionString: system.env.DATABASE_URL });
      await db.connect();
    },
    tearDown: async () => {
      await db?.end();
    },
  });

  /** Every message of the system's identity.events, all partitions from offset 0, as stored (no key). */
  async function wholeTopic(): Promise<ReadMessage[]> {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(system.topics.identityEvents).finally(() => admin.disconnect());
    const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const reader = await new TopicReader(kafka, system.topics.identityEvents).start();
    try {
      return await reader.waitFor((messages) => messages.length >= total, 60_000);
    } finally {
      await reader.stop();
    }
  }

  /** Each value in clear and as base64 and base64url, lowercased too. */
  function needles(values: string[]): string[] {
    return [
      ...new Set(values.flatMap((v) => [v, v.toLowerCase(), Buffer.from(v).toString('base64'), Buffer.from(v).toString('base64url')])),
    ];
  }

  function leaks(haystack: string, values: string[]): string[] {
    const lower = haystack.toLowerCase();
    return needles(values).filter((n) => haystack.includes(n) || lower.includes(n.toLowerCase()));
  }

  const profileView = (profileId: string, position?: string) =>
    system.http('GET', `/v1/backend/profiles/${profileId}`, {
      headers: { ...server(), ...(position ? { 'x-idstream-position': position } : {}) },
    });

  async function waitErased(profileId: string, headers = server()): Promise<Record<string, unknown>> {
    let body: Record<string, unknown> = {};
    await waitFor(
      async () => {
        const res = await system.http('GET', `/v1/backend/profiles/${profileId}`, { headers });
        body = res.body as Record<string, unknown>;
        return res.status === 200 && body.status === 'erased';
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `profile ${profileId} erased in the read model` },
    );
    return body;
  }

  it('leaves no value of the profile readable on the topic or in auth.events, refuses commands, rebuilds to a tombstone', async () => {
    const tag = randomUUID().replace(/-/g, '').slice(0, 10);
    const email = uniqueEmail(`shred${tag}`);
    const values = {
      email,
      firstName: `Ottoline${tag}`,
      lastName: `Quarrington${tag}`,
      newLastName: `Featherstonehaugh${tag}`,
      phone: `+4420${tag.replace(/\D/g, '7').slice(0, 8)}`,
      birthDate: '1931-07-29',
      address: `${tag} Zanzibar Crescent`,
      city: `Wolverhampton${tag}`,
      company: `Grommet${tag} Ltd`,
      zipCode: `ZQ${tag.slice(0, 5)}`,
      customId: `cust-${tag}`,
      displayName: `Otto ${tag}`,
      favourite: `teal-${tag}`,
      loyalty: `platinum-${tag}`,
    };
    const everything = Object.values(values);

    // Its whole life: registration (and confirmation), an update, a backend import (upsert), a recognition.
    const ws = await system.http('POST', '/v1/admin/workspaces', {
      headers: { authorization: `Bearer ${system.adminKey}` },
      body: { name: `shred-${tag}`, registrationMode: 'email-confirmation' },
    });
    assert.equal(ws.status, 201, JSON.stringify(ws.body));
    const { clientApiKey, serverKey } = ws.body as { clientApiKey: string; serverKey: string };
    const server = () => ({ authorization: `Bearer ${serverKey}` });
    const profileView = (profileId: string, position?: string) =>
      system.http('GET', `/v1/backend/profiles/${profileId}`, {
        headers: { ...server(), ...(position ? { 'x-idstream-position': position } : {}) },
      });
    const device = await anonymous(system, clientApiKey);
    const reg = await system.http('POST', '/v1/accounts', {
      token: device.token,
      body: {
        email,
        password: STRONG_PASSWORD,
        firstName: values.firstName,
        lastName: values.lastName,
        phone: values.phone,
        birthDate: values.birthDate,
        address: values.address,
        city: values.city,
        agreements: { email: true, sms: false },
        attributes: { favourite: values.favourite },
      },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const profileId = reg.body.profileId as string;
    // Confirmed, so that the backend may import into it and recognize devices by its email.
    const confirmation = await system.tokenFromMail(email);
    assert.equal((await system.http('POST', '/v1/accounts/confirm', { body: { token: confirmation } })).status, 204);
    const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(signIn.status, 200);
    const token = signIn.body.token as string;
    const patched = await system.http('PATCH', '/v1/account', {
      token,
      body: { lastName: values.newLastName, company: values.company, zipCode: values.zipCode, attributes: { loyalty: values.loyalty } },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const imported = await system.http('POST', '/v1/backend/profiles', {
      headers: server(),
      body: { email, customId: values.customId, displayName: values.displayName },
    });
    assert.ok([200, 201].includes(imported.status), JSON.stringify(imported.body));
    assert.equal(imported.body.profileId, profileId);
    const other = await anonymous(system, clientApiKey);
    const recognized = await system.http('POST', `/v1/backend/clients/${other.uuid}/recognize`, { headers: server(), body: { email } });
    assert.equal(recognized.status, 200);

    // The projector builds its read model in clear (it opens the sealed fields with auth's key service).
    const live = await profileView(profileId, recognized.headers.get('x-idstream-position')!);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.email, email);
    assert.equal(live.body.firstName, values.firstName);
    assert.equal(live.body.lastName, values.newLastName);
    assert.equal(live.body.customId, values.customId);
    assert.deepEqual(live.body.attributes, { favourite: values.favourite, loyalty: values.loyalty });
    const byEmail = await system.http('GET', `/v1/backend/profiles?email=${encodeURIComponent(email.toUpperCase())}`, {
      headers: server(),
    });
    assert.deepEqual(
      byEmail.body.items.map((p: { profileId: string }) => p.profileId),
      [profileId],
    );

    // Before the erasure: nothing is in clear on the topic either, but the key opens it (so the search below can find).
    const before = await wholeTopic();
    const ours = before.filter((m) => m.key === profileId);
    assert.ok(
      ours.some((m) => JSON.parse(m.value!).schemaVersion === 2),
      'the profile has sealed events',
    );
    assert.deepEqual(leaks(JSON.stringify(before), everything), [], 'no clear value on the topic even before the erasure');
    const open = system.sealedOpener();
    const opened = await Promise.all(ours.map((m) => open(m.value!)));
    assert.ok(leaks(opened.join('\n'), [email, values.firstName, values.customId, values.loyalty]).length >= 4, 'the key opens them');

    const stream = async () =>
      (await db.query('SELECT count(*)::int AS n FROM auth.events WHERE stream_id = $1', [profileId])).rows[0].n as number;
    const erase = await system.http('DELETE', `/v1/backend/profiles/${profileId}`, { headers: server() });
    assert.equal(erase.status, 202, JSON.stringify(erase.body));
    const tombstone = await waitErased(profileId, server());

    // The whole topic and the whole table: no value the profile ever had, in clear or in base64.
    const messages = await wholeTopic();
    assert.ok(messages.some((m) => m.key === profileId && JSON.parse(m.value!).type === 'ProfileErased'));
    const topicText = messages.map((m) => `${m.key} ${m.value} ${JSON.stringify(m.headers)}`).join('\n');
    assert.deepEqual(leaks(topicText, everything), [], 'identity.events yields nothing of the erased profile');
    const stillOpen = await Promise.all(messages.filter((m) => m.key === profileId).map((m) => open(m.value!)));
    assert.deepEqual(leaks(stillOpen.join('\n'), everything), [], 'with every key that still exists');
    const tables = await db.query(
      `SELECT (SELECT coalesce(json_agg(e), '[]') FROM auth.events e)::text AS events,
              (SELECT coalesce(json_agg(o), '[]') FROM auth.outbox o)::text AS outbox,
              (SELECT coalesce(json_agg(p), '[]') FROM auth.profiles p WHERE p.profile_id = $1)::text AS snapshot`,
      [profileId],
    );
    const { events, outbox, snapshot } = tables.rows[0] as { events: string; outbox: string; snapshot: string };
    assert.ok(events.includes(profileId));
    assert.deepEqual(leaks(events, everything), [], 'auth.events yields nothing of the erased profile');
    assert.deepEqual(leaks(outbox, everything), [], 'auth.outbox neither');
    assert.deepEqual(leaks(snapshot, everything), [], 'nor the snapshot');
    assert.ok(!/pbkdf2-sha256\$/.test(events), 'no password hash in clear in auth.events');
    const key = await db.query('SELECT wrapped_key, destroyed_at FROM auth.data_keys WHERE profile_id = $1', [profileId]);
    assert.equal(key.rows[0].wrapped_key, null);
    assert.ok(key.rows[0].destroyed_at);
    for (const field of ['email', 'firstName', 'lastName', 'phone', 'customId', 'company', 'agreements', 'attributes'])
      assert.ok(tombstone[field] === null || JSON.stringify(tombstone[field]) === '{}', `${field} is gone from the read model`);

    // Commands on the erased stream are refused cleanly (an erasure again is a no-op) and write nothing.
    const written = await stream();
    const again = await system.http('DELETE', `/v1/backend/profiles/${profileId}`, { headers: server() });
    assert.equal(again.status, 202, 'erasing again is idempotent (and writes nothing, checked below)');
    const reRecognize = await system.http('POST', `/v1/backend/clients/${other.uuid}/recognize`, {
      headers: server(),
      body: { profileId },
    });
    assert.ok(reRecognize.status >= 400 && reRecognize.status < 500, `recognize: ${reRecognize.status}`);
    assert.equal(reRecognize.headers.get('content-type')?.startsWith('application/problem+json'), true);
    const staleToken = await system.http('PATCH', '/v1/account', { token, body: { firstName: 'Back' } });
    assert.equal(staleToken.status, 401);
    const signInAgain = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password: STRONG_PASSWORD } });
    assert.equal(signInAgain.status, 401);
    assert.equal(await stream(), written, 'refused commands append nothing');

    // A rebuild of the read model from offset 0 (npm run projector:rebuild) yields the tombstone, nothing personal.
    const rebuild = startNodeProcess('apps/profile-projector/src/rebuild/rebuild.main.js', { ...system.env, LOG_LEVEL: 'info' });
    const code = await rebuild.exited;
    assert.equal(code, 0, rebuild.output.slice(-20).join('\n'));
    const rebuilt = await waitErased(profileId, server());
    assert.equal(rebuilt.email, null);
    assert.equal(rebuilt.firstName, null);
    const readModel = await db.query(`SELECT (SELECT coalesce(json_agg(p), '[]') FROM profiles.profiles p)::text AS rows`);
    assert.deepEqual(leaks((readModel.rows[0] as { rows: string }).rows, everything), [], 'the rebuilt read model holds nothing of it');
  });

  it('a crash after the key is destroyed and before ProfileErased is published: on restart it is published and consumers end erased', async () => {
    const device = await anonymous(system);
    const email = uniqueEmail('crash');
    const firstName = `Crashford${randomUUID().slice(0, 8)}`;
    const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD, firstName } });
    assert.equal(reg.status, 201);
    const profileId = reg.body.profileId as string;
    const live = await profileView(profileId, `${profileId}:1`);
    assert.equal(live.body.firstName, firstName);

    // Auth restarted while the test holds the relay's leadership lock: commands commit, nothing is published.
    await system.stopApp('auth', 'SIGKILL');
    const lock = new Client({ connectionString: system.env.DATABASE_URL });
    await lock.connect();
    try {
      await lock.query(`SET statement_timeout = '60s'`);
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', ['idstream.outbox.auth']);
      system.startApp('auth');
      await system.waitReady(['auth']);
      let erase = await system.http('DELETE', `/v1/backend/profiles/${profileId}`, { headers: server() });
      // The gateway may still be reconnecting to the restarted auth: a 503 changed nothing, so try again.
      for (let i = 0; erase.status === 503 && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 500));
        erase = await system.http('DELETE', `/v1/backend/profiles/${profileId}`, { headers: server() });
      }
      assert.equal(erase.status, 202, JSON.stringify(erase.body));
      const key = await db.query('SELECT wrapped_key FROM auth.data_keys WHERE profile_id = $1', [profileId]);
      assert.equal(key.rows[0].wrapped_key, null, 'the key is destroyed (committed)');
      const pending = await db.query(
        `SELECT count(*)::int AS n FROM auth.outbox WHERE message_key = $1 AND published_at IS NULL AND headers->>'event-type' = 'ProfileErased'`,
        [profileId],
      );
      assert.equal(pending.rows[0].n, 1, 'ProfileErased waits in the outbox, unpublished');
      // The crash: auth dies before its relay publishes.
      await system.stopApp('auth', 'SIGKILL');
    } finally {
      await lock.end();
    }
    const beforeRestart = await wholeTopic();
    assert.ok(
      !beforeRestart.some((m) => m.key === profileId && JSON.parse(m.value!).type === 'ProfileErased'),
      'not published before the restart',
    );
    // Meanwhile a consumer replaying the profile gets no personal data: the key service has no key for it.
    assert.ok(
      !(
        await system.sealedOpener()(
          beforeRestart.find((m) => m.key === profileId && JSON.parse(m.value!).type === 'UserRegistered')!.value!,
        )
      ).includes(firstName),
    );

    system.startApp('auth');
    await system.waitReady(['auth']);
    const erased = await waitErased(profileId);
    assert.equal(erased.firstName, null);
    const after = await wholeTopic();
    assert.equal(after.filter((m) => m.key === profileId && JSON.parse(m.value!).type === 'ProfileErased').length >= 1, true);
    assert.deepEqual(leaks(after.map((m) => m.value).join('\n'), [email, firstName]), []);
  });

  it('a projector rebuild while auth (the key service) is down waits for it, then builds the live profiles in clear', async () => {
    const device = await anonymous(system);
    const email = uniqueEmail('keysdown');
    const firstName = `Keyless${randomUUID().slice(0, 8)}`;
    const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: STRONG_PASSWORD, firstName } });
    assert.equal(reg.status, 201);
    const profileId = reg.body.profileId as string;
    assert.equal((await profileView(profileId, `${profileId}:1`)).body.firstName, firstName);
    await system.stopApp('auth');
    const rebuild = startNodeProcess('apps/profile-projector/src/rebuild/rebuild.main.js', { ...system.env, LOG_LEVEL: 'info' });
    try {
      // Without keys it cannot apply the sealed events: it keeps trying instead of building a model without the data.
      const early = await Promise.race([rebuild.exited, new Promise<string>((resolve) => setTimeout(() => resolve('running'), 5000))]);
      assert.equal(early, 'running', rebuild.output.slice(-20).join('\n'));
      system.startApp('auth');
      await system.waitReady(['auth']);
      const code = await Promise.race([rebuild.exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 120_000))]);
      assert.equal(code, 0, rebuild.output.slice(-30).join('\n'));
    } finally {
      await rebuild.stop();
    }
    const rebuilt = await profileView(profileId);
    assert.equal(rebuilt.body.firstName, firstName);
    assert.equal(rebuilt.body.email, email);
  });

  // Last in this file: it rotates the system's data keys to a master key the running auth does not hold.
  it('a missing or wrong master key stops auth with one line naming IDSTREAM_MASTER_KEYS; a rotation re-wraps every key', async () => {
    const oldKey = system.masterKeys.slice('test:'.length);
    const newKey = randomBytes(32).toString('base64');
    // A live profile, so that a data key is stored under the "test" master key.
    const device = await anonymous(system);
    const reg = await system.http('POST', '/v1/accounts', {
      token: device.token,
      body: { email: uniqueEmail('rotate'), password: STRONG_PASSWORD, firstName: 'Rota' },
    });
    assert.equal(reg.status, 201);
    const started: RunningProcess[] = [];
    const run = async (masterKeys: string) => {
      const env = {
        ...system.env,
        IDSTREAM_MASTER_KEYS: masterKeys,
        AUTH_HTTP_PORT: String(await freePort()),
        AUTH_TCP_PORT: String(await freePort()),
      };
      const proc = startNodeProcess('apps/auth/src/main.js', env);
      started.push(proc);
      return { proc, port: env.AUTH_HTTP_PORT };
    };
    // A process that starts instead of stopping fails the test in a minute, not at the file's timeout.
    const exitCode = (proc: RunningProcess) =>
      Promise.race([proc.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 60_000).unref())]);
    const mentions = (proc: RunningProcess) => proc.output.filter((line) => line.includes('IDSTREAM_MASTER_KEYS'));
    try {
      const missing = await run('');
      assert.equal(await exitCode(missing.proc), 78);
      assert.deepEqual(
        missing.proc.output.filter((l) => l.trim() !== ''),
        ['auth: Invalid environment variable IDSTREAM_MASTER_KEYS: is required'],
      );
      const malformed = await run('test:tooshort');
      assert.equal(await exitCode(malformed.proc), 78);
      assert.equal(mentions(malformed.proc).length, 1);

      const wrong = await run(`test:${newKey}`);
      assert.equal(await exitCode(wrong.proc), 78, wrong.proc.output.join('\n'));
      assert.equal(mentions(wrong.proc).length, 1, wrong.proc.output.join('\n'));
      assert.match(mentions(wrong.proc)[0]!, /master key "test" does not open/);
      assert.ok(!wrong.proc.output.join('\n').includes(newKey), 'the key itself is never printed');
      const unlisted = await run(`other:${newKey}`);
      assert.equal(await exitCode(unlisted.proc), 78);
      assert.match(mentions(unlisted.proc)[0]!, /wrapped under master key "test", which it does not list/);

      // Rotation: the new key first, the old one still listed; at start every key is re-wrapped under the new one.
      const rotating = await run(`rot:${newKey},test:${oldKey}`);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${rotating.port}/health/ready`).catch(() => null))?.ok === true, {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'auth with rotated keys ready',
      });
      await rotating.proc.stop();
      const under = await db.query('SELECT DISTINCT master_key_id FROM auth.data_keys WHERE wrapped_key IS NOT NULL');
      assert.deepEqual(
        under.rows.map((r: { master_key_id: string }) => r.master_key_id),
        ['rot'],
      );
      const rotated = await run(`rot:${newKey}`);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${rotated.port}/health/ready`).catch(() => null))?.ok === true, {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'auth with the old key removed ready',
      });
    } finally {
      await Promise.all(started.map((p) => p.stop()));
    }
  });
});
