import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { assertNoSecrets, freePort, SecretsScanner, startNodeProcess } from '@idstream/testing';

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

/**
 * An app's TCP port answers only once every start-up hook has run: auth's TCP listener used to
 * open before its hooks, so a gateway could load the workspace list before the default
 * workspace existed and refuse that workspace's tokens (the duplicate-delivery fault test saw it).
 */
describe('startApp', () => {
  it('opens the TCP port only after the onApplicationBootstrap hooks have run', async () => {
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    const proc = startNodeProcess('test/fixtures/slow-bootstrap-app.js', { HTTP_PORT: String(httpPort), TCP_PORT: String(tcpPort) });
    const ask = async (): Promise<boolean> => {
      // A new client each time: one that failed to connect is not asked again.
      const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: tcpPort } });
      try {
        return await firstValueFrom(client.send<boolean>('startUpDone', {}));
      } finally {
        await client.close();
      }
    };
    try {
      const deadline = Date.now() + 90_000; // a loaded CI machine starts a Nest app slowly
      let answer: boolean | undefined;
      while (answer === undefined) {
        if (proc.child.exitCode !== null) throw new Error(`the fixture exited ${proc.child.exitCode}:\n${proc.output.join('\n')}`);
        try {
          answer = await ask();
        } catch (error) {
          // Not listening yet: ask again at once, so the first answer comes as soon as the port opens.
          if (Date.now() > deadline) throw new Error(`no answer on the TCP port:\n${proc.output.join('\n')}`, { cause: error });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      assert.equal(answer, true, 'the first answer on the TCP port comes after the start-up hooks');
    } finally {
      await proc.stop('SIGTERM');
    }
  });
});
