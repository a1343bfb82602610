import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoSecrets, SecretsScanner } from './secrets.scanner';

describe('SecretsScanner', () => {
  const scanner = () => {
    const s = new SecretsScanner();
    s.add('Str0ng!pass', 'password', 'sign-up');
    s.add('Kate@Example.test', 'email');
    s.add('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'access-token');
    s.add('abc', 'password'); // too short to scan
    return s;
  };

  it('finds a registered value raw, lower-cased, JSON-escaped or URL-encoded, and says what it was for', () => {
    const s = scanner();
    assert.equal(s.scanText('log a', '{"msg":"hello Str0ng!pass"}')[0]?.label, 'sign-up');
    assert.equal(s.scanText('log a', 'to kate@example.test').length, 2); // registered, and the email shape
    assert.equal(s.scanText('log a', `q=${encodeURIComponent('Str0ng!pass')}`).length, 1);
    assert.deepEqual(s.scanText('log a', 'abc def [redacted] [email]'), []);
  });

  it('finds the shapes of hashes, JWTs and emails that nobody registered', () => {
    const kinds = new SecretsScanner()
      .scanText('log a', 'pbkdf2-sha256$600000$x$y eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl someone@example.org')
      .map((h) => h.kind);
    assert.deepEqual(kinds, ['password-hash (shape)', 'access-token (shape)', 'email (shape)']);
  });

  it('allows what a topic carries by design, and nothing else', () => {
    const s = scanner();
    assert.deepEqual(s.scanText('t', '{"email":"kate@example.test"}', 'identity.events'), []);
    assert.equal(s.scanText('t', '{"email":"kate@example.test"}', 'tracking.events').length, 1);
    assert.deepEqual(s.scanText('t', '{"token":"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}', 'tracking.raw'), []);
    assert.equal(s.scanText('t', '{"token":"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}', 'identity.events').length, 2);
    assert.equal(s.scanText('t', 'Str0ng!pass', 'identity.events').length, 1);
  });

  it('registers the secrets of a body by field name, and counts dropped log lines as unscanned', () => {
    const s = new SecretsScanner();
    s.addFromBody({ currentPassword: 'Old!pass1', nested: { newEmail: 'new@example.test', refreshToken: 'r'.repeat(43) }, name: 'Kate' });
    assert.equal(s.size, 3);
    const hits = s.scanLogs([{ name: 'auth#1', lines: ['fine', 'Old!pass1'], droppedLines: 2 }]);
    assert.deepEqual(
      hits.map((h) => `${h.kind} ${h.where}`),
      ['unscanned log auth#1', 'password log auth#1#2'],
    );
    assert.throws(() => assertNoSecrets(hits), /2 secret\(s\) found/);
    assert.doesNotThrow(() => assertNoSecrets([]));
  });

  it('takes only addresses from email-named fields, not settings such as emailConfusables', () => {
    // Registering "refuse" made every ECONNREFUSED log line a leak.
    const s = new SecretsScanner();
    s.addFromBody({ settings: { emailConfusables: 'refuse' }, email: 'kate@example.test' });
    assert.equal(s.size, 1);
    assert.equal(s.scanText('gateway#1', 'connect ECONNREFUSED 127.0.0.1:4001').length, 0);
  });

  it('finds a registered PIN only as a whole number, not inside a longer one', () => {
    const s = new SecretsScanner();
    s.add('042917', 'pin');
    assert.equal(s.scanText('log', '{"pin":"042917"}').length, 1);
    assert.deepEqual(s.scanText('log', '{"time":17648004291712}'), []);
    assert.deepEqual(s.scanText('log', 'offset 1042917'), []);
  });
});
