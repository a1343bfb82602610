import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { assertNoSecrets, TestSystem, waitFor, type SecretKind } from '@idstream/testing';
import { anonymous, customer, uniqueEmail, startSystemWithScan } from './helpers';

/**
 * Issue 9 part 3 end to end: the failure paths that used to print secrets (conflicting writes,
 * writes the event store refuses, SMTP refusals) run against the real apps at LOG_LEVEL=debug,
 * then every line of every process is scanned for every password, hash, token and email used.
 * Kafka errors are driven in libs/runtime's kafka-logging int-spec.
 */
describe('no secret or personal data in any log line', () => {
  const system = new TestSystem();
  const password = () => `Lg!${randomBytes(9).toString('base64url')}9a`;
  const used = (label: string, kind: SecretKind, value: string) => {
    system.secrets.add(value, kind, label);
    return value;
  };

  // A server that rejects one recipient (quoting it, as most do) and one message (quoting
  // the line with the code, as some spam filters do).
  system.smtp.refuse({
    stage: 'rcpt',
    matches: (address) => address.startsWith('smtp-rcpt.'),
    code: 550,
    reply: (address) => `5.1.1 <${address}>: Recipient address rejected: User unknown`,
  });
  system.smtp.refuse({
    stage: 'data',
    matches: (address) => address.startsWith('smtp-data.'),
    code: 554,
    reply: (_address, text) => `5.7.1 Rejected as spam: ${text.split(/\r?\n/).find((line) => line.includes('code in the app')) ?? ''}`,
  });
  startSystemWithScan(system, {
    env: { LOG_LEVEL: 'debug' },
    setUp: async () => {
      // The event store refuses some writes: a trigger that raises with the row's data, and a
      // CHECK constraint (whose error detail is "Failing row contains (…)", the whole row).
      const db = new Client({ connectionString: system.env.DATABASE_URL });
      await db.connect();
      try {
        await db.query(`CREATE FUNCTION auth.refuse_marked_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.correlation_id LIKE 'trigger-mark.%' THEN RAISE EXCEPTION 'event store refused %', NEW.data::text; END IF;
          RETURN NEW;
        END $$`);
        await db.query(
          'CREATE TRIGGER refuse_marked_events BEFORE INSERT ON auth.events FOR EACH ROW EXECUTE FUNCTION auth.refuse_marked_events()',
        );
        await db.query(
          `ALTER TABLE auth.events ADD CONSTRAINT refuse_marked_rows CHECK (correlation_id NOT LIKE 'check-mark.%') NOT VALID`,
        );
      } finally {
        await db.end();
      }
    },
  });

  it('concurrent registrations of one email: one 201, the others 409', async () => {
    const device = await anonymous(system);
    const email = used('conflicting registrations', 'email', uniqueEmail('conflict'));
    const secret = used('conflicting registrations', 'password', password());
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: secret } })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, ...Array<number>(11).fill(409)]);
  });

  it('concurrent updates of one profile: the event store key refuses all but one, the commands retry', async () => {
    const c = await customer(system, used('conflicting updates', 'password', password()));
    used('conflicting updates', 'email', c.email);
    // Four writers: each loses at most three times, within the command's five attempts (eight
    // concurrent PATCHes of one profile can exhaust them and answer 500: reported, not fixed here).
    const names = Array.from({ length: 4 }, (_, i) =>
      used('conflicting updates', 'personal', `Conflicting${i}${randomBytes(4).toString('hex')}`),
    );
    const answers = await Promise.all(
      names.map((firstName) => system.http('PATCH', '/v1/account', { token: c.token, body: { firstName } })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      names.map(() => 200),
    );
  });

  for (const marker of ['trigger-refused', 'check-refused']) {
    it(`a write the event store refuses (${marker.replace('-refused', '')}) answers 5xx`, async () => {
      const device = await anonymous(system);
      const email = used(`refused write (${marker})`, 'email', uniqueEmail(marker));
      // The marker rides in the request id (the events' correlation id): personal fields are sealed in auth.events.
      const res = await system.http('POST', '/v1/accounts', {
        token: device.token,
        headers: { 'x-request-id': `${marker.replace('-refused', '-mark')}.${randomBytes(4).toString('hex')}` },
        body: { email, password: used(`refused write (${marker})`, 'password', password()) },
      });
      assert.ok(res.status >= 500, `status ${res.status}`);
      assert.doesNotMatch(JSON.stringify(res.body), /pbkdf2|refused|@/);
    });
  }

  for (const stage of ['rcpt', 'data'] as const) {
    it(`an SMTP server refusing the ${stage === 'rcpt' ? 'recipient' : 'message'} of a reset mail`, async () => {
      const before = system.smtp.refused;
      const device = await anonymous(system);
      const email = used(`smtp refusal (${stage})`, 'email', uniqueEmail(`smtp-${stage}`));
      const secret = used(`smtp refusal (${stage})`, 'password', password());
      assert.equal((await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password: secret } })).status, 201);
      assert.equal((await system.http('POST', '/v1/auth/password-reset', { token: device.token, body: { email } })).status, 202);
      await waitFor(() => system.smtp.refused > before, { timeoutMs: 20_000, what: `an SMTP ${stage} refusal` });
    });
  }

  it('no line of any process carries a password, hash, token or email of these paths; conflicts are debug lines', async () => {
    // Stopping first: every line, shutdown included, has been read.
    await system.stop();
    const lines = system.started.flatMap((s) => s.process.output);
    assert.ok(lines.length > 10, `lines captured: ${lines.length}`);
    assertNoSecrets(system.scanLogs(), 'the logs');
    const loudConflicts = lines.filter((l) => /duplicate key|events_pkey|emails_pkey/.test(l) && !/"level":"debug"/.test(l));
    assert.deepEqual(loudConflicts.slice(0, 3), [], `${loudConflicts.length} conflict lines above debug`);
  });
});
