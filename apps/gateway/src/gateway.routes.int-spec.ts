import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import type { Producer } from 'kafkajs';
import { AuthPatterns, ProjectorPatterns, Topics, fail, ok, uuidv7, type IdentityEvent, type Reply } from '@idstream/contracts';
import { generateSigningKey, scopeForRole, signAccessToken, type Role, type SigningKey } from '@idstream/crypto';
import { freePort, startNodeProcess, testBrokers, testKafka, waitFor, type RunningProcess } from '@idstream/testing';

/**
 * The gateway as a process in front of a fake auth and a fake projector (Nest TCP
 * microservices in this test process): tokens, revocations, server keys, positions and the
 * admin key, checked on what the gateway answers and on what it forwards.
 */
const ISSUER = 'idstream-gateway-test';
const ADMIN_KEY = 'gateway-test-admin-key-0123456789';
const SERVER_KEY = 'server-key-of-the-test-workspace';
const WORKSPACE = `gw-test-${randomUUID()}`;
/** A second workspace whose tokenAlgorithm is ES256 (WORKSPACE keeps the default, EdDSA). */
const ES256_WORKSPACE = `gw-test-es-${randomUUID()}`;

const fake = {
  keys: [] as SigningKey[],
  received: [] as { pattern: string; payload: Record<string, unknown> }[],
  serverKeyChecks: 0,
};

const record = (pattern: string, payload: Record<string, unknown>) => fake.received.push({ pattern, payload });
const lastOf = (pattern: string) => [...fake.received].reverse().find((r) => r.pattern === pattern)?.payload;

@Controller()
class FakeAuth {
  @MessagePattern(AuthPatterns.jwks)
  jwks(): Reply<unknown> {
    return ok({ keys: fake.keys.map((k) => k.publicJwk) });
  }

  @MessagePattern(AuthPatterns.listWorkspaceTokenAlgorithms)
  tokenAlgorithms(): Reply<unknown> {
    return ok({
      workspaces: [
        { workspaceId: WORKSPACE, tokenAlgorithm: 'EdDSA', previous: null },
        { workspaceId: ES256_WORKSPACE, tokenAlgorithm: 'ES256', previous: null },
      ],
    });
  }

  /** The gateway loads both lists in one view of the workspace settings. */
  @MessagePattern(AuthPatterns.listWorkspaceOrigins)
  origins(): Reply<unknown> {
    return ok({ workspaces: [] });
  }

  @MessagePattern(AuthPatterns.createAnonymous)
  anonymous(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.createAnonymous, command);
    if (command.apiKey !== 'client-key') return fail('INVALID_API_KEY', 'unknown client API key');
    return ok({
      token: 'anon-token',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      uuid: command.uuid ?? randomUUID(),
      workspaceId: WORKSPACE,
    });
  }

  @MessagePattern(AuthPatterns.register)
  register(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.register, command);
    if (command.email === 'taken@example.com') return fail('EMAIL_TAKEN', 'this email has an account');
    return ok({ profileId: 'p-registered', status: 'active', emailConfirmed: false, position: 'p-registered:1' });
  }

  @MessagePattern(AuthPatterns.signOut)
  signOut(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.signOut, command);
    return ok(null);
  }

  @MessagePattern(AuthPatterns.changePassword)
  changePassword(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.changePassword, command);
    if (command.currentPassword !== 'Current-1') return fail('INVALID_CREDENTIALS', 'wrong current password', { status: 403 });
    const now = new Date();
    return ok({
      closedSessions: [
        { sessionId: 'other-session', closedAt: now.toISOString(), forgetAfter: new Date(now.getTime() + 3600_000).toISOString() },
      ],
    });
  }

  @MessagePattern(AuthPatterns.getAccount)
  getAccount(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.getAccount, command);
    return ok({ profileId: 'p1', email: 'ada@example.com', emailConfirmed: false, position: 'p1:3' });
  }

  @MessagePattern(AuthPatterns.authenticateServerKey)
  authenticateServerKey(@Payload() query: { serverKey: string }): Reply<unknown> {
    fake.serverKeyChecks++;
    return query.serverKey === SERVER_KEY ? ok({ workspaceId: WORKSPACE }) : fail('UNAUTHORIZED', 'unknown server key');
  }

  @MessagePattern(AuthPatterns.importProfile)
  importProfile(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.importProfile, command);
    return ok({ profileId: 'p-imported', created: command.email === 'new@example.com', position: 'p-imported:2' });
  }

  @MessagePattern(AuthPatterns.createWorkspace)
  createWorkspace(@Payload() command: Record<string, unknown>): Reply<unknown> {
    record(AuthPatterns.createWorkspace, command);
    return ok({ workspaceId: 'ws-new', clientApiKey: 'ck', serverKey: 'sk', settings: command.settings });
  }
}

@Controller()
class FakeProjector {
  @MessagePattern(ProjectorPatterns.getProfile)
  getProfile(@Payload() query: Record<string, unknown>): Reply<unknown> {
    record(ProjectorPatterns.getProfile, query);
    return query.profileId === 'p1' ? ok({ profileId: 'p1', uuids: [] }) : fail('PROFILE_NOT_FOUND', 'no such profile');
  }

  @MessagePattern(ProjectorPatterns.findProfiles)
  findProfiles(@Payload() query: Record<string, unknown>): Reply<unknown> {
    record(ProjectorPatterns.findProfiles, query);
    return ok({ items: [{ profileId: 'p1' }] });
  }
}

@Module({ controllers: [FakeAuth] })
class FakeAuthModule {}

@Module({ controllers: [FakeProjector] })
class FakeProjectorModule {}

async function microservice(module: object, port: number): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module as never, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await app.listen();
  return app;
}

interface TokenOptions {
  role: Role;
  sessionId?: string;
  issuedAt?: number;
  ttlSec?: number;
  issuer?: string;
  key?: SigningKey;
  aud?: string;
}

async function token({
  role,
  sessionId = randomUUID(),
  issuedAt,
  ttlSec = 600,
  issuer = ISSUER,
  key,
  aud = WORKSPACE,
}: TokenOptions): Promise<string> {
  const iat = issuedAt ?? Math.floor(Date.now() / 1000) - 5;
  const uuid = randomUUID();
  return signAccessToken(key ?? fake.keys[0]!, {
    iss: issuer,
    aud,
    sub: role === 'anonymous' ? uuid : 'p1',
    uuid,
    role,
    scope: scopeForRole(role),
    sid: sessionId,
    jti: randomUUID(),
    iat,
    exp: iat + ttlSec,
  });
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

describe('gateway routes in front of auth and the projector', () => {
  let gateway: RunningProcess;
  let auth: INestMicroservice;
  let projector: INestMicroservice;
  let producer: Producer;
  let base: string;
  const revokedBeforeStart = randomUUID();

  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; bearer?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };

  const expectProblem = (answer: Answer, status: number, code: string) => {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body?.code, code);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  };

  before(async () => {
    fake.keys.push(await generateSigningKey());
    const authPort = await freePort();
    const projectorPort = await freePort();
    auth = await microservice(FakeAuthModule, authPort);
    projector = await microservice(FakeProjectorModule, projectorPort);

    // A session closed before the gateway starts: the gateway must learn it from identity.events.
    const kafka = testKafka('gateway-routes-test');
    producer = kafka.producer();
    await producer.connect();
    const now = Date.now();
    const closed: IdentityEvent = {
      id: uuidv7(now),
      type: 'SessionClosed',
      schemaVersion: 1,
      occurredAt: new Date(now).toISOString(),
      workspaceId: WORKSPACE,
      aggregateId: `gw-test-profile-${revokedBeforeStart}`,
      sequence: 1,
      correlationId: uuidv7(now),
      causationId: null,
      data: {
        profileId: `gw-test-profile-${revokedBeforeStart}`,
        sessionId: revokedBeforeStart,
        reason: 'admin',
        closedAt: new Date(now).toISOString(),
        forgetAfter: new Date(now + 3600_000).toISOString(),
      },
    };
    await producer.send({ topic: Topics.identityEvents, messages: [{ key: closed.aggregateId, value: JSON.stringify(closed) }] });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startNodeProcess('apps/gateway/src/main.js', {
      GATEWAY_PORT: String(port),
      AUTH_HOST: '127.0.0.1',
      AUTH_TCP_PORT: String(authPort),
      PROJECTOR_HOST: '127.0.0.1',
      PROJECTOR_TCP_PORT: String(projectorPort),
      TOKEN_ISSUER: ISSUER,
      IDSTREAM_ADMIN_KEY: ADMIN_KEY,
      MAX_ACCESS_TOKEN_TTL_SECONDS: '3600',
      GATEWAY_REQUEST_TIMEOUT_MS: '2000',
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: 'warn',
    });
    await waitFor(
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(`gateway exited:\n${gateway.output.join('\n')}`);
        return (await fetch(`${base}/health/ready`).catch(() => null))?.status === 200;
      },
      { what: 'the gateway to be ready (keys loaded, revocations caught up)', timeoutMs: 120_000 },
    );
  });

  after(async () => {
    await gateway?.stop();
    await producer?.disconnect();
    await auth?.close();
    await projector?.close();
  });

  it('serves the JWKS it verifies with', async () => {
    const answer = await call('GET', '/.well-known/jwks.json');
    assert.equal(answer.status, 200);
    // Keys from SigningKeyRotated events of other auth instances on the shared topic may be there too.
    assert.deepEqual(
      (answer.body?.keys as unknown[]).filter((k) => (k as { kid: string }).kid === fake.keys[0]!.kid),
      [fake.keys[0]!.publicJwk],
    );
  });

  it('forwards an anonymous request with its meta, and maps auth errors', async () => {
    const uuid = '01936f4e-8c2a-7b3d-9a4e-123456789abc';
    const answer = await call('POST', '/v1/auth/anonymous', {
      body: { apiKey: 'client-key', uuid },
      headers: { 'x-request-id': 'req-anon-1' },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body?.uuid, uuid);
    const sent = lastOf(AuthPatterns.createAnonymous)!;
    assert.deepEqual(sent.meta, { requestId: 'req-anon-1', ip: '127.0.0.1' });
    expectProblem(await call('POST', '/v1/auth/anonymous', { body: { apiKey: 'wrong' } }), 401, 'INVALID_API_KEY');
  });

  it('registers with an anonymous token: caller from the claims, position in the header only', async () => {
    const anon = await token({ role: 'anonymous' });
    const answer = await call('POST', '/v1/accounts', {
      bearer: anon,
      body: { email: 'ada@example.com', password: 'Secret-1', firstName: 'Ada', agreements: { email: true } },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { profileId: 'p-registered', status: 'active', emailConfirmed: false });
    assert.equal(answer.headers.get('x-idstream-position'), 'p-registered:1');
    const sent = lastOf(AuthPatterns.register)!;
    assert.equal((sent.caller as Record<string, unknown>).workspaceId, WORKSPACE);
    assert.equal((sent.caller as Record<string, unknown>).role, 'anonymous');
    assert.deepEqual(sent.profile, { firstName: 'Ada' });
    assert.deepEqual(sent.attributes, {});
    expectProblem(
      await call('POST', '/v1/accounts', { bearer: anon, body: { email: 'taken@example.com', password: 'Secret-1' } }),
      409,
      'EMAIL_TAKEN',
    );
  });

  it('checks the role, the issuer and the expiry of tokens', async () => {
    const customer = await token({ role: 'customer' });
    expectProblem(
      await call('POST', '/v1/accounts', { bearer: customer, body: { email: 'a@example.com', password: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await call('GET', '/v1/account', { bearer: await token({ role: 'anonymous' }) }), 403, 'FORBIDDEN');
    expectProblem(
      await call('GET', '/v1/account', { bearer: await token({ role: 'customer', issuer: 'someone-else' }) }),
      401,
      'UNAUTHORIZED',
    );
    const expired = await token({ role: 'customer', issuedAt: Math.floor(Date.now() / 1000) - 7200, ttlSec: 60 });
    const answer = await call('GET', '/v1/account', { bearer: expired });
    expectProblem(answer, 401, 'TOKEN_EXPIRED');
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
    const foreignKey = await generateSigningKey();
    expectProblem(await call('GET', '/v1/account', { bearer: await token({ role: 'customer', key: foreignKey }) }), 401, 'UNAUTHORIZED');
  });

  it('keeps internal fields out of the account', async () => {
    const answer = await call('GET', '/v1/account', { bearer: await token({ role: 'customer' }) });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { profileId: 'p1', email: 'ada@example.com', emailConfirmed: false });
  });

  it('rejects the tokens of a session closed before the gateway started', async () => {
    const stale = await token({ role: 'customer', sessionId: revokedBeforeStart, issuedAt: Math.floor(Date.now() / 1000) - 60 });
    expectProblem(await call('GET', '/v1/account', { bearer: stale }), 401, 'TOKEN_REVOKED');
  });

  it('rejects every token of a session from the moment it signs out, and only those', async () => {
    const sessionId = randomUUID();
    const first = await token({ role: 'customer', sessionId, issuedAt: Math.floor(Date.now() / 1000) - 30 });
    const second = await token({ role: 'customer', sessionId });
    const otherSession = await token({ role: 'customer' });
    assert.equal((await call('POST', '/v1/auth/sign-out', { bearer: second })).status, 204);
    assert.equal((lastOf(AuthPatterns.signOut)!.caller as Record<string, unknown>).sessionId, sessionId);
    expectProblem(await call('GET', '/v1/account', { bearer: first }), 401, 'TOKEN_REVOKED');
    expectProblem(await call('GET', '/v1/account', { bearer: second }), 401, 'TOKEN_REVOKED');
    assert.equal((await call('GET', '/v1/account', { bearer: otherSession })).status, 200);
  });

  it('revokes the sessions a password change reports closed, and honours a status override', async () => {
    const other = await token({ role: 'customer', sessionId: 'other-session' });
    const mine = await token({ role: 'customer' });
    expectProblem(
      await call('POST', '/v1/account/password', { bearer: mine, body: { currentPassword: 'nope', newPassword: 'New-pass-1' } }),
      403,
      'INVALID_CREDENTIALS',
    );
    assert.equal((await call('GET', '/v1/account', { bearer: other })).status, 200);
    assert.equal(
      (await call('POST', '/v1/account/password', { bearer: mine, body: { currentPassword: 'Current-1', newPassword: 'New-pass-1' } }))
        .status,
      204,
    );
    expectProblem(await call('GET', '/v1/account', { bearer: other }), 401, 'TOKEN_REVOKED');
    assert.equal((await call('GET', '/v1/account', { bearer: mine })).status, 200, 'the calling session stays valid');
  });

  it('authenticates server keys through auth once per 30 s, and refuses client tokens and wrong keys', async () => {
    const before = fake.serverKeyChecks;
    const created = await call('POST', '/v1/backend/profiles', {
      bearer: SERVER_KEY,
      body: { email: 'new@example.com', firstName: 'Grace' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body, { profileId: 'p-imported' });
    assert.equal(created.headers.get('x-idstream-position'), 'p-imported:2');
    assert.equal(lastOf(AuthPatterns.importProfile)!.workspaceId, WORKSPACE);
    const upserted = await call('POST', '/v1/backend/profiles', { bearer: SERVER_KEY, body: { email: 'old@example.com' } });
    assert.equal(upserted.status, 200);
    assert.equal(fake.serverKeyChecks, before + 1, 'the second call used the cached answer');

    expectProblem(
      await call('POST', '/v1/backend/profiles', { bearer: SERVER_KEY, body: { firstName: 'No identifier' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await call('GET', '/v1/backend/profiles/p1', { bearer: 'wrong-server-key' }), 401, 'UNAUTHORIZED');
    expectProblem(await call('GET', '/v1/backend/profiles/p1', { bearer: await token({ role: 'customer' }) }), 403, 'FORBIDDEN');
  });

  it('passes the position header of a query to the projector as minPosition', async () => {
    const found = await call('GET', '/v1/backend/profiles/p1', { bearer: SERVER_KEY, headers: { 'x-idstream-position': 'p-imported:2' } });
    assert.equal(found.status, 200);
    assert.deepEqual(lastOf(ProjectorPatterns.getProfile), { workspaceId: WORKSPACE, profileId: 'p1', minPosition: 'p-imported:2' });
    expectProblem(await call('GET', '/v1/backend/profiles/p2', { bearer: SERVER_KEY }), 404, 'PROFILE_NOT_FOUND');
    expectProblem(
      await call('GET', '/v1/backend/profiles/p1', { bearer: SERVER_KEY, headers: { 'x-idstream-position': 'garbage' } }),
      400,
      'BAD_QUERY',
    );

    const listed = await call('GET', '/v1/backend/profiles?email=ada%40example.com', { bearer: SERVER_KEY });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, { items: [{ profileId: 'p1' }] });
    assert.deepEqual(lastOf(ProjectorPatterns.findProfiles), { workspaceId: WORKSPACE, by: 'email', value: 'ada@example.com' });
    expectProblem(await call('GET', '/v1/backend/profiles?email=a%40example.com&uuid=x', { bearer: SERVER_KEY }), 400, 'BAD_QUERY');
    expectProblem(await call('GET', '/v1/backend/profiles', { bearer: SERVER_KEY }), 400, 'BAD_QUERY');
  });

  it('takes the admin key, and bounds the access-token TTL by MAX_ACCESS_TOKEN_TTL_SECONDS', async () => {
    const created = await call('POST', '/v1/admin/workspaces', {
      bearer: ADMIN_KEY,
      body: { name: 'Shop', registrationMode: 'email-activation' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body?.serverKey, 'sk');
    assert.deepEqual(lastOf(AuthPatterns.createWorkspace)!.settings, { name: 'Shop', registrationMode: 'email-activation' });
    expectProblem(
      await call('POST', '/v1/admin/workspaces', { bearer: ADMIN_KEY, body: { accessTokenTtlSeconds: 7200 } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await call('POST', '/v1/admin/workspaces', { bearer: 'not-the-admin-key', body: {} }), 401, 'UNAUTHORIZED');
  });

  it('verifies a token signed by a key it learns from a refetch after an unknown kid', async () => {
    const rotated = await generateSigningKey();
    fake.keys.push(rotated);
    const fresh = await token({ role: 'customer', key: rotated });
    // The refetch is rate-limited (once per 10 s), so the first tries may still be refused.
    await waitFor(async () => (await call('GET', '/v1/account', { bearer: fresh })).status === 200, {
      what: 'the new kid to be accepted',
      timeoutMs: 20_000,
      intervalMs: 500,
    });
  });

  it("pins each workspace's algorithm: a genuine ES256 token of the EdDSA workspace is refused", async () => {
    const es256 = await generateSigningKey(new Date(), 'ES256');
    fake.keys.push(es256);
    const ofEs256Workspace = await token({ role: 'customer', key: es256, aud: ES256_WORKSPACE });
    await waitFor(async () => (await call('GET', '/v1/account', { bearer: ofEs256Workspace })).status === 200, {
      what: 'the ES256 kid to be accepted for the ES256 workspace',
      timeoutMs: 20_000,
      intervalMs: 500,
    });
    const ofEdDsaWorkspace = await token({ role: 'customer', key: es256, aud: WORKSPACE });
    expectProblem(await call('GET', '/v1/account', { bearer: ofEdDsaWorkspace }), 401, 'UNAUTHORIZED');
  });
});
