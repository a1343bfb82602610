import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { AuthPatterns, ok, topicNames, type Reply } from '@idstream/contracts';
import { generateSigningKey, scopeForRole, signAccessToken, type SigningKey } from '@idstream/crypto';
import { freePort, startNodeProcess, testBrokers, testKafka, waitFor, type RunningProcess } from '@idstream/testing';

/**
 * A gateway that started before auth (the apps start together): its first loads of the
 * workspace settings fail. As soon as auth answers, an allowed origin's preflight and a token
 * of the workspace must pass: a failed load must not hold back the reload a miss asks for.
 */
const ISSUER = 'idstream-gateway-later-test';
const WORKSPACE = `gw-later-${randomUUID()}`;
const APP = 'https://app-later.test';
const keys: SigningKey[] = [];

@Controller()
class LateAuth {
  @MessagePattern(AuthPatterns.jwks)
  jwks(): Reply<unknown> {
    return ok({ keys: keys.map((k) => k.publicJwk) });
  }

  @MessagePattern(AuthPatterns.listWorkspaceTokenAlgorithms)
  tokenAlgorithms(): Reply<unknown> {
    return ok({ workspaces: [{ workspaceId: WORKSPACE, tokenAlgorithm: 'EdDSA', previous: null }] });
  }

  @MessagePattern(AuthPatterns.listWorkspaceOrigins)
  origins(): Reply<unknown> {
    return ok({ workspaces: [{ workspaceId: WORKSPACE, clientApiKey: 'ck-later', allowedOrigins: [APP] }] });
  }

  @MessagePattern(AuthPatterns.getAccount)
  getAccount(): Reply<unknown> {
    return ok({ profileId: 'p1', email: 'ada@example.com', emailConfirmed: false, position: 'p1:1' });
  }
}

@Module({ controllers: [LateAuth] })
class LateAuthModule {}

describe('gateway started before auth', () => {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  let gateway: RunningProcess;
  let auth: INestMicroservice | undefined;
  let authPort = 0;
  let base = '';

  const preflight = (origin: string) =>
    fetch(`${base}/v1/account`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });

  before(async () => {
    keys.push(await generateSigningKey());
    const [port, projectorPort] = await Promise.all([freePort(), freePort()]);
    authPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startNodeProcess('apps/gateway/src/main.js', {
      GATEWAY_PORT: String(port),
      AUTH_HOST: '127.0.0.1',
      AUTH_TCP_PORT: String(authPort),
      PROJECTOR_HOST: '127.0.0.1',
      PROJECTOR_TCP_PORT: String(projectorPort),
      TOKEN_ISSUER: ISSUER,
      IDSTREAM_ADMIN_KEY: 'gateway-later-test-admin-key-0123456789',
      GATEWAY_REQUEST_TIMEOUT_MS: '2000',
      KAFKA_BROKERS: testBrokers().join(','),
      // Topics of its own: the revocation feed has nothing to replay.
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    });
    await waitFor(
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(`gateway exited:\n${gateway.output.join('\n')}`);
        return (await fetch(`${base}/health/live`).catch(() => null))?.status === 200;
      },
      { what: 'the gateway to answer', timeoutMs: 60_000 },
    );
  });

  after(async () => {
    await gateway?.stop();
    await auth?.close();
    const admin = testKafka('gateway-later-cleanup').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topicNames(prefix)) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('answers an allowed origin and accepts a token as soon as auth answers', async () => {
    // Auth is away: the origin is unknown, and asking for it made a load fail just now.
    assert.equal((await preflight(APP)).headers.get('access-control-allow-origin'), null);

    auth = await NestFactory.createMicroservice(
      { module: LateAuthModule },
      { transport: Transport.TCP, options: { host: '127.0.0.1', port: authPort }, logger: false },
    );
    await auth.listen();
    // At once, not after the 2 s a miss waits between two successful loads.
    const answered = await preflight(APP);
    assert.equal(answered.status, 204);
    assert.equal(answered.headers.get('access-control-allow-origin'), APP, 'a failed load held back the reload');
    assert.equal((await preflight('https://evil.test')).headers.get('access-control-allow-origin'), null);

    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, { what: 'the gateway ready', timeoutMs: 60_000 });
    const iat = Math.floor(Date.now() / 1000) - 5;
    const uuid = randomUUID();
    const token = await signAccessToken(keys[0]!, {
      iss: ISSUER,
      aud: WORKSPACE,
      sub: 'p1',
      uuid,
      role: 'customer',
      scope: scopeForRole('customer'),
      sid: randomUUID(),
      jti: randomUUID(),
      iat,
      exp: iat + 600,
    });
    const account = await fetch(`${base}/v1/account`, { headers: { authorization: `Bearer ${token}`, origin: APP } });
    assert.equal(account.status, 200, await account.clone().text());
    assert.equal(account.headers.get('access-control-allow-origin'), APP);
  });
});
