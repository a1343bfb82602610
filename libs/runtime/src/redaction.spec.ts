import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueryFailedError } from 'typeorm';
import { JsonLogger } from './json-logger';
import { redact, scrub } from './redaction';

const HASH = 'pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';
const EMAIL = 'Kate.Bush+x@Example.test';
const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln';
const ONE_TIME = 'Zx9_fQ2kLmN3pR7sT1uV5wX8yA0bC4dE6gH2jK9mNq';
const SERVER_KEY = 'sk_0123456789abcdef0123456789abcdef';
const SECRETS = [HASH, EMAIL, JWT, ONE_TIME, SERVER_KEY, 'Str0ng!pass'];

function assertClean(value: unknown): string {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) {
    assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${secret.slice(0, 8)}… leaked: ${text}`);
    assert.ok(!text.includes(secret.slice(0, 24)), `a prefix of ${secret.slice(0, 8)}… leaked: ${text}`);
  }
  return text;
}

/** What TypeORM throws when the event store's INSERT conflicts: the query, its parameters and pg's error. */
function insertConflict(): QueryFailedError {
  const pgError = Object.assign(new Error('duplicate key value violates unique constraint "events_pkey"'), {
    code: '23505',
    constraint: 'events_pkey',
    schema: 'auth',
    table: 'events',
    detail: `Key (stream_id, sequence)=(0193-profile, 3) already exists.`,
  });
  const data = JSON.stringify({ email: EMAIL, passwordHash: HASH });
  return new QueryFailedError(
    'INSERT INTO auth.events (stream_id, sequence, data) VALUES ($1, $2, $3)',
    ['0193-profile', 3, data],
    pgError,
  );
}

describe('redact', () => {
  it('removes values under sensitive keys at any depth, whatever their case or separators', () => {
    const out = redact({
      user: { password: 'Str0ng!pass', password_hash: HASH, Email: EMAIL, nested: [{ serverKey: SERVER_KEY, apiKey: 'ck_public' }] },
      headers: { authorization: `Bearer ${JWT}`, Cookie: 'sid=1' },
      refreshToken: ONE_TIME,
      kept: { profileId: 'p-1', code: 'EMAIL_TAKEN', partition: 3 },
    }) as Record<string, any>;
    assertClean(out);
    assert.equal(out.user.password, '[redacted]');
    assert.equal(out.user.nested[0].apiKey, '[redacted]');
    assert.equal(out.headers.Cookie, '[redacted]');
    assert.deepEqual(out.kept, { profileId: 'p-1', code: 'EMAIL_TAKEN', partition: 3 });
  });

  it('serialises a failed query with its type, code and constraint, without parameters or row values', () => {
    const out = redact({ err: insertConflict() }) as { err: Record<string, any> };
    const text = assertClean(out);
    assert.equal(out.err.type, 'QueryFailedError');
    assert.equal(out.err.code, '23505');
    assert.equal(out.err.constraint, 'events_pkey');
    assert.equal(out.err.parameters, '[3 parameters]');
    assert.equal(out.err.detail, 'Key (stream_id, sequence)=(…) already exists.');
    assert.equal(out.err.driverError.detail, 'Key (stream_id, sequence)=(…) already exists.');
    assert.match(out.err.query, /^INSERT INTO auth\.events/);
    assert.match(out.err.stack, /QueryFailedError: duplicate key/);
    assert.doesNotMatch(text, /0193-profile", 3/);
  });

  it('scrubs secrets by shape inside messages, stacks and nested causes', () => {
    const inner = new Error(`event store refused {"email": "${EMAIL}", "passwordHash": "${HASH}"}`);
    const outer = new Error(`mail failed: 554 rejected: Or enter this code in the app: ${ONE_TIME}`, { cause: inner });
    Object.assign(outer, { sent: { to: EMAIL, auth: `Bearer ${JWT}`, url: `smtp://user:${'hunter2secret'}@mail.example.test` } });
    const out = redact({ err: outer }) as { err: Record<string, any> };
    const text = assertClean(out);
    assert.doesNotMatch(text, /hunter2secret/);
    assert.match(out.err.cause.message, /"email": "\[redacted\]"/);
    assert.match(out.err.message, /code in the app: \[token\]/);
    assert.match(out.err.stack, /mail failed/);
  });

  it('scrubs free text: check-violation rows, JSON dumps, query strings, JWTs and server keys', () => {
    const texts = [
      `Failing row contains (0193, 1, {"email": "${EMAIL}", "passwordHash": "${HASH}"}).`,
      `query failed: INSERT INTO auth.events -- PARAMETERS: ["p",1,"{\\"email\\":\\"${EMAIL}\\",\\"passwordHash\\":\\"${HASH}\\"}"]`,
      `GET /confirm?token=${ONE_TIME}&x=1`,
      `authorization: Bearer ${JWT}`,
      `server key ${SERVER_KEY} refused`,
      `a bare token ${JWT} in text`,
    ];
    for (const text of texts) assertClean(scrub(text));
    // What is not secret stays readable.
    assert.equal(
      scrub('duplicate key value violates unique constraint "events_pkey"'),
      'duplicate key value violates unique constraint "events_pkey"',
    );
    assert.equal(
      scrub('at Object.<anonymous> (/app/node_modules/@nestjs/core/x.js:1:2)'),
      'at Object.<anonymous> (/app/node_modules/@nestjs/core/x.js:1:2)',
    );
    assert.equal(scrub('profile 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'), 'profile 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
  });

  it('survives cycles, deep nesting, huge arrays, buffers, maps and bigints', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const error = new Error('loop') as Error & { again?: unknown };
    error.again = error;
    let deep: Record<string, unknown> = { password: 'Str0ng!pass' };
    for (let i = 0; i < 50; i++) deep = { deep };
    const out = redact({
      a,
      error,
      deep,
      many: Array.from({ length: 500 }, (_, i) => i),
      buffer: Buffer.from(EMAIL),
      map: new Map([['email', EMAIL]]),
      big: 10n,
    }) as Record<string, any>;
    assertClean(out);
    assert.equal(out.a.self, '[circular]');
    assert.equal(out.error.again, '[circular]');
    assert.equal(out.many.length, 101);
    assert.equal(out.buffer, `[${Buffer.byteLength(EMAIL)} bytes]`);
    assert.equal(out.big, '10');
  });
});

describe('JsonLogger', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, logger: new JsonLogger('test', 'debug', (line) => void lines.push(line)) };
  };

  it('writes every call shape Nest and our code use through the redacting serializer', () => {
    const { lines, logger } = capture();
    const failure = insertConflict();
    logger.error(failure); // Nest's BaseRpcExceptionFilter and ExceptionsHandler pass the error
    logger.error(failure.message, failure.stack, 'ExceptionsHandler'); // Nest's (message, stack, context)
    logger.warn({ msg: 'command failed', err: failure, requestId: 'r-1' }, 'AuthRpc');
    logger.log({ msg: 'default workspace created', clientApiKey: 'ck_x', serverKey: SERVER_KEY });
    logger.debug(`query failed: -- PARAMETERS: ["${EMAIL}","${HASH}"]`);
    const cyclic: Record<string, unknown> = { msg: 'cycle' };
    cyclic.me = cyclic;
    logger.warn(cyclic);
    assert.equal(lines.length, 6);
    for (const line of lines) assertClean(JSON.parse(line));
    const first = JSON.parse(lines[0]!) as { err: { type: string; constraint: string }; msg: string };
    assert.equal(first.err.type, 'QueryFailedError');
    assert.equal(first.err.constraint, 'events_pkey');
    assert.equal((JSON.parse(lines[2]!) as { context: string }).context, 'AuthRpc');
  });
});
