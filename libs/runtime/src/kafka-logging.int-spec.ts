import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createKafka, ensureTopics } from '@idstream/messaging';
import { openDataSource } from '@idstream/persistence';
import { assertNoSecrets, createTestDatabase, freePort, SecretsScanner, testBrokers, uniqueName, waitFor } from '@idstream/testing';
import type { DataSource } from 'typeorm';
import { JsonLogger } from './json-logger';

/**
 * Kafka errors on the logging path (issue 9 part 3): kafkajs writes its own lines, and puts
 * whole error objects in them. Every one must come out of the redacting JsonLogger: a producer
 * that cannot reach its broker, and a consumer whose batch fails on a database error that
 * carries the query's parameters (a password hash and an email).
 */
describe('kafkajs lines go through the redacting logger', () => {
  const secrets = new SecretsScanner();
  const email = `kafka.${randomBytes(4).toString('hex')}@example.test`;
  const hash = `pbkdf2-sha256$600000$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
  secrets.add(email, 'email');
  secrets.add(hash, 'password-hash');
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const lines: string[] = [];
  const logger = new JsonLogger('kafka-logging-test', 'debug', (line) => void lines.push(line.trimEnd()));

  before(async () => {
    database = await createTestDatabase('kafkalog');
    dataSource = await openDataSource({ url: database.url, schema: 'kafkalog', migrations: [], log: logger });
    await dataSource.query('CREATE TABLE kafkalog.accounts (email text PRIMARY KEY, password_hash text NOT NULL)');
    await dataSource.query('INSERT INTO kafkalog.accounts VALUES ($1, $2)', [email, hash]);
  });

  after(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('a producer to an unreachable broker fails, and its lines name no secret', async () => {
    const port = await freePort(); // nothing listens there
    const kafka = createKafka({ brokers: [`127.0.0.1:${port}`], clientId: 'unreachable', log: logger, retries: 1 });
    const producer = kafka.producer();
    const before = lines.length;
    await assert.rejects(async () => {
      await producer.connect();
      await producer.send({ topic: 'nowhere', messages: [{ key: email, value: JSON.stringify({ email, passwordHash: hash }) }] });
    });
    await producer.disconnect().catch(() => undefined);
    const written = lines.slice(before);
    assert.ok(
      written.some((l) => /ECONNREFUSED|Connection error|connect/i.test(l)),
      written.join('\n'),
    );
    for (const line of written) assert.equal((JSON.parse(line) as { app: string }).app, 'kafka-logging-test');
    assertNoSecrets(secrets.scanLogs([{ name: 'unreachable producer', lines: written }]), 'kafkajs lines');
  });

  it('a consumer batch failing on a conflicting INSERT is logged by kafkajs with the error, without its parameters', async () => {
    const kafka = createKafka({ brokers: testBrokers(), clientId: 'failing-consumer', log: logger });
    const topic = uniqueName('kafkalog');
    await ensureTopics(kafka, [{ topic, partitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'go' }] });
    await producer.disconnect();
    // No restart after the crash: a restart racing the disconnect below would reconnect and hold the process.
    const consumer = kafka.consumer({
      groupId: uniqueName('kafkalog'),
      maxWaitTimeInMs: 100,
      retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) },
    });
    const before = lines.length;
    let attempts = 0;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatch: async () => {
          attempts++;
          // The same row again: a unique violation whose QueryFailedError holds both values.
          await dataSource.query('INSERT INTO kafkalog.accounts VALUES ($1, $2)', [email, hash]);
        },
      });
      await waitFor(() => lines.slice(before).some((l) => l.includes('Error when calling eachBatch')), {
        timeoutMs: 30_000,
        what: 'kafkajs logging the failed batch',
      });
    } finally {
      await consumer.disconnect();
    }
    const written = lines.slice(before);
    assert.ok(attempts >= 1);
    const failed = JSON.parse(written.find((l) => l.includes('Error when calling eachBatch'))!) as {
      context: string;
      error: { type: string; code: string; constraint: string; parameters: string };
    };
    assert.equal(failed.context, 'kafkajs.Runner');
    assert.equal(failed.error.type, 'QueryFailedError');
    assert.equal(failed.error.code, '23505');
    assert.equal(failed.error.parameters, '[2 parameters]');
    // The database's own line for the conflict: one debug line, no data.
    assert.ok(
      written.some((l) => /"level":"debug".*"msg":"query failed".*"constraint":"accounts_pkey"/.test(l)),
      written.join('\n'),
    );
    assertNoSecrets(secrets.scanLogs([{ name: 'failing consumer', lines: written }]), 'kafkajs and database lines');
  });
});
