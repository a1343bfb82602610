import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertNoSecrets, SecretsScanner, startNodeProcess } from '@idstream/testing';

/** Uncaught errors go through the redacting logger too: one fatal JSON line, exit 1. */
describe('launch', () => {
  for (const kind of ['exception', 'rejection']) {
    it(`logs an uncaught ${kind} as one redacted fatal line and exits 1`, async () => {
      const secrets = {
        SECRET_EMAIL: `uncaught.${randomBytes(4).toString('hex')}@example.test`,
        SECRET_HASH: `pbkdf2-sha256$600000$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`,
        SECRET_PASSWORD: `Un!${randomBytes(8).toString('hex')}`,
        SECRET_TOKEN: randomBytes(32).toString('base64url'),
      };
      const proc = startNodeProcess('test/fixtures/uncaught-error.js', { ...secrets, UNCAUGHT: kind });
      assert.equal(await proc.exited, 1);
      const scanner = new SecretsScanner();
      for (const value of Object.values(secrets)) scanner.add(value, 'password');
      assertNoSecrets(scanner.scanLogs([{ name: 'fixture', lines: proc.output }]), 'the fixture output');
      assert.equal(proc.output.length, 1, proc.output.join('\n'));
      const line = JSON.parse(proc.output[0]!) as {
        level: string;
        msg: string;
        err: { message: string; password: string; cause: { message: string } };
      };
      assert.equal(line.level, 'fatal');
      assert.equal(line.msg, kind === 'exception' ? 'uncaught exception' : 'unhandled rejection');
      assert.equal(line.err.password, '[redacted]');
      assert.match(line.err.message, /^boom for \[email\] with \[password-hash\]$/);
      assert.equal(line.err.cause.message, 'cause: token=[redacted]');
    });
  }
});
