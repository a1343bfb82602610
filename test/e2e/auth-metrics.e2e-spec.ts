import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { TestSystem } from '@idstream/testing';
import { customer } from './helpers';

/** One sample of a Prometheus text exposition, matched by name and exact labels. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Issue 13 part 3, auth's half: /metrics on auth's HTTP port. */
describe('auth /metrics', () => {
  const system = new TestSystem();
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${system.env.AUTH_HTTP_PORT}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.text();
  };

  before(() => system.start());
  after(() => system.stop());

  it('counts commands by outcome, and times PBKDF2 hashes and verifies', async () => {
    const user = await customer(system);
    const wrong = await system.http('POST', '/v1/auth/sign-in', {
      token: user.anonToken,
      body: { email: user.email, password: 'Wr0ng!pass' },
    });
    assert.equal(wrong.status, 401);

    const text = await scrape();
    assert.ok((sample(text, 'idstream_auth_commands_total', 'command="register",outcome="ok",code=""') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_commands_total', 'command="signIn",outcome="ok",code=""') ?? 0) >= 1);
    const refusals = text.split('\n').filter((l) => l.startsWith('idstream_auth_commands_total{command="signIn",outcome="refused"'));
    assert.equal(refusals.length, 1, text);
    assert.ok((sample(text, 'idstream_auth_command_seconds_count', 'command="register"') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_seconds_count', 'operation="hash"') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_seconds_count', 'operation="verify"') ?? 0) >= 2);
    assert.equal(sample(text, 'idstream_auth_pbkdf2_in_flight', 'operation="verify"'), 0);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_pool_size') ?? 0) >= 2);
  });

  it('reports the event outbox and the mail outbox from the database', async () => {
    const db = new Client({ connectionString: system.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO auth.mail_outbox (workspace_id, recipient, subject, body, attempts, failed_at, sent_at)
         VALUES ('ws', 'given-up@example.test', 's', NULL, 8, now(), NULL)`,
      );
    } finally {
      await db.end();
    }
    const text = await scrape();
    assert.equal(sample(text, 'idstream_auth_mail_outbox_failed'), 1);
    for (const name of ['idstream_auth_outbox_backlog', 'idstream_auth_outbox_relay_lag_seconds', 'idstream_auth_mail_outbox_backlog']) {
      const value = sample(text, name);
      assert.ok(value !== undefined && value >= 0, `${name} = ${value}`);
    }
  });
});
