import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startNodeProcess, TestSystem } from '@idstream/testing';
import { anonymous, customer, STRONG_PASSWORD, uniqueEmail } from './helpers';

/**
 * Issue 10: auth's event stream is the truth and `auth.profiles` a cache. Deleting every
 * snapshot loses nothing: every command afterwards answers as it would have, and
 * `npm run auth:verify` (run here against this system's database) finds every snapshot equal
 * to the fold of its stream, and names one that is not.
 */
describe('the event stream is the truth, the snapshot a cache', () => {
  const system = new TestSystem();
  const db = () => new Client({ connectionString: system.env.DATABASE_URL });
  const server = () => ({ authorization: `Bearer ${system.serverKey}` });
  const sql = async (text: string, params: unknown[] = []) => {
    const client = db();
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  const verify = async (): Promise<{ code: number | string; output: string }> => {
    const run = startNodeProcess('apps/auth/src/verify/verify.main.js', {
      DATABASE_URL: system.env.DATABASE_URL!,
      IDSTREAM_MASTER_KEYS: system.env.IDSTREAM_MASTER_KEYS!,
      LOG_LEVEL: 'warn',
    });
    const code = await run.exited;
    return { code, output: run.output.join('\n') };
  };

  before(async () => {
    await system.start(['auth', 'gateway']);
  });

  after(async () => {
    await system.stop();
  });

  it('answers every command the same after every row of auth.profiles is deleted', async () => {
    // A history of every kind: sessions, updates, a password change, an import, a recognized device, an erasure.
    const ann = await customer(system);
    const patched = await system.http('PATCH', '/v1/account', {
      token: ann.token,
      body: { firstName: 'Ann', customId: `c-${randomUUID()}` },
    });
    assert.equal(patched.status, 200);
    const second = await system.http('POST', '/v1/auth/sign-in', {
      token: ann.anonToken,
      body: { email: ann.email, password: ann.password },
    });
    assert.equal(second.status, 200);
    const newPassword = 'N3w!password';
    const changed = await system.http('POST', '/v1/account/password', {
      token: second.body.token,
      body: { currentPassword: ann.password, newPassword },
    });
    assert.equal(changed.status, 204);
    const importedEmail = uniqueEmail('imported');
    const imported = await system.http('POST', '/v1/backend/profiles', {
      headers: server(),
      body: { email: importedEmail, firstName: 'Imp' },
    });
    assert.equal(imported.status, 201);
    const device = await anonymous(system);
    const recognized = await system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, {
      headers: server(),
      body: { email: importedEmail },
    });
    assert.equal(recognized.status, 200);
    const bob = await customer(system);
    assert.equal((await system.http('DELETE', `/v1/backend/profiles/${bob.profileId}`, { headers: server() })).status, 202);

    const before = await system.http('GET', '/v1/account', { token: second.body.token });
    assert.equal(before.status, 200);
    assert.equal((await verify()).code, 0);

    await sql('DELETE FROM auth.profiles');

    // Reads fold the stream: the same account, the same closed session.
    assert.deepEqual((await system.http('GET', '/v1/account', { token: second.body.token })).body, before.body);
    assert.equal((await system.http('GET', '/v1/account', { token: ann.token })).status, 401);
    // Commands decide on the fold: the old password is refused, the new one signs in.
    const oldPassword = await system.http('POST', '/v1/auth/sign-in', {
      token: ann.anonToken,
      body: { email: ann.email, password: ann.password },
    });
    assert.equal(oldPassword.status, 401);
    const signIn = await system.http('POST', '/v1/auth/sign-in', {
      token: ann.anonToken,
      body: { email: ann.email, password: newPassword },
    });
    assert.equal(signIn.status, 200);
    const update = await system.http('PATCH', '/v1/account', { token: signIn.body.token, body: { lastName: 'Lee' } });
    assert.equal(update.status, 200);
    assert.equal(update.body.firstName, 'Ann');
    assert.equal(update.body.createdAt, before.body.createdAt);
    // A registration of the email still finds it taken; the imported profile is still there to attach to.
    const again = await system.http('POST', '/v1/accounts', { token: device.token, body: { email: ann.email, password: STRONG_PASSWORD } });
    assert.equal(again.status, 409);
    const reimport = await system.http('POST', '/v1/backend/profiles', {
      headers: server(),
      body: { email: importedEmail, lastName: 'Ort' },
    });
    assert.equal(reimport.status, 200);
    assert.equal(reimport.body.profileId, imported.body.profileId);
    // The erased profile folds from its redacted stream to a tombstone: refused, nothing written.
    const events = async () =>
      (await sql('SELECT count(*)::int AS n FROM auth.events WHERE stream_id = $1', [bob.profileId]))[0].n as number;
    const count = await events();
    assert.equal(
      (
        await system.http('POST', `/v1/backend/clients/${randomUUID()}/recognize`, {
          headers: server(),
          body: { profileId: bob.profileId },
        })
      ).status,
      404,
    );
    assert.equal((await system.http('DELETE', `/v1/backend/profiles/${bob.profileId}`, { headers: server() })).status, 202);
    assert.equal(await events(), count);

    // The commands wrote fresh snapshots; every one of them is the fold of its stream.
    const report = await verify();
    assert.equal(report.code, 0, report.output);
    assert.match(report.output, /0 snapshots differ/);
  });

  it('auth:verify names a snapshot that differs from its stream and exits 1', async () => {
    const c = await customer(system);
    await sql(`UPDATE auth.profiles SET state = jsonb_set(state, '{email}', '"forged@example.test"') WHERE profile_id = $1`, [c.profileId]);
    const report = await verify();
    assert.equal(report.code, 1, report.output);
    assert.match(report.output, new RegExp(`differs\\t[^\\t]+\\t${c.profileId}`));
    // The verifier only reports; the forged cache is still what loads read first, so repair it from the stream.
    await sql('DELETE FROM auth.profiles WHERE profile_id = $1', [c.profileId]);
    assert.equal((await system.http('GET', '/v1/account', { token: c.token })).body.email, c.email);
    assert.equal((await verify()).code, 0);
  });
});
