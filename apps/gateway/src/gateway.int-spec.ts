import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, startNodeProcess, testBrokers, waitFor, type RunningProcess } from '@idstream/testing';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/**
 * The gateway as a process, with auth unreachable: first a TCP server that accepts connections
 * and never answers (the timeout path), then nothing at all (connection refused).
 */
describe('gateway process without auth', () => {
  let gateway: RunningProcess;
  let base: string;
  let blackHole: net.Server;
  const sockets = new Set<net.Socket>();

  const call = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, { method, body: init.body, headers: init.headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const postJson = (path: string, body: unknown) =>
    call('POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  const assertProblem = (answer: Answer, status: number, code: string) => {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(answer.body?.code, code);
    assert.equal(answer.body?.status, status);
    assert.equal(typeof answer.body?.type, 'string');
    assert.equal(typeof answer.body?.title, 'string');
    assert.ok(answer.headers.get('x-request-id'), 'x-request-id on every response');
  };

  before(async () => {
    blackHole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const authPort = (blackHole.address() as net.AddressInfo).port;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startNodeProcess('apps/gateway/src/main.js', {
      GATEWAY_PORT: String(port),
      AUTH_HOST: '127.0.0.1',
      AUTH_TCP_PORT: String(authPort),
      PROJECTOR_HOST: '127.0.0.1',
      PROJECTOR_TCP_PORT: String(await freePort()),
      GATEWAY_REQUEST_TIMEOUT_MS: '500',
      GATEWAY_BODY_LIMIT_BYTES: '4096',
      KAFKA_BROKERS: testBrokers().join(','),
      // Admin routes off (no IDSTREAM_ADMIN_KEY); a tight per-IP limit on the unauthenticated routes.
      IDSTREAM_ADMIN_KEY: '',
      GATEWAY_RATE_LIMIT_PER_SECOND: '1',
      GATEWAY_RATE_LIMIT_BURST: '10',
      LOG_LEVEL: 'warn',
    });
    await waitFor(
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(`gateway exited:\n${gateway.output.join('\n')}`);
        return (await fetch(`${base}/health/live`).catch(() => null))?.status === 200;
      },
      { what: 'the gateway to answer /health/live', timeoutMs: 120_000 },
    );
  });

  after(async () => {
    await gateway?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it('is live, with x-request-id, and not ready while it has no signing keys', async () => {
    const live = await call('GET', '/health/live');
    assert.equal(live.status, 200);
    assert.ok(live.headers.get('x-request-id'));
    const ready = await call('GET', '/health/ready');
    assert.equal(ready.status, 503);
    assert.equal((ready.body?.checks as Record<string, string>)['signing-keys'], 'down');
  });

  it('serves the OpenAPI document at /docs/openapi.json and the UI at /docs', async () => {
    const document = await call('GET', '/docs/openapi.json');
    assert.equal(document.status, 200);
    assert.equal(document.body?.openapi, '3.1.0');
    const paths = Object.keys(document.body?.paths as Record<string, unknown>);
    for (const path of ['/v1/auth/anonymous', '/v1/accounts', '/v1/backend/profiles/{profileId}', '/v1/admin/workspaces/{id}'])
      assert.ok(paths.includes(path), path);
    const ui = await fetch(`${base}/docs`);
    assert.equal(ui.status, 200);
    assert.match(ui.headers.get('content-type') ?? '', /^text\/html/);
    await ui.body?.cancel();
  });

  it('answers a client route with 503 problem+json and Retry-After when auth does not answer in time', async () => {
    const answer = await postJson('/v1/auth/anonymous', { apiKey: 'some-client-key' });
    assertProblem(answer, 503, 'SERVICE_UNAVAILABLE');
    assert.equal(answer.headers.get('retry-after'), '1');
  });

  it('answers a route that needs a token with 503 while keys are not loaded', async () => {
    const answer = await call('GET', '/v1/account', { headers: { authorization: 'Bearer a.b.c' } });
    assertProblem(answer, 503, 'SERVICE_UNAVAILABLE');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    assertProblem(await call('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
    assertProblem(await call('DELETE', '/v1/auth/anonymous'), 404, 'NOT_FOUND');
  });

  it('answers a body over the limit with 413', async () => {
    assertProblem(await postJson('/v1/auth/anonymous', { apiKey: 'x'.repeat(5000) }), 413, 'BODY_TOO_LARGE');
  });

  it('answers an unknown field with 400 naming it, malformed JSON with 400, a form body with 415', async () => {
    const unknown = await postJson('/v1/auth/anonymous', { apiKey: 'k', admin: true });
    assertProblem(unknown, 400, 'VALIDATION_FAILED');
    assert.deepEqual(unknown.body?.errors, [{ field: 'admin', message: 'admin is not an accepted field' }]);
    const malformed = await call('POST', '/v1/auth/anonymous', { body: '{"apiKey":', headers: { 'content-type': 'application/json' } });
    assertProblem(malformed, 400, 'VALIDATION_FAILED');
    const form = await call('POST', '/v1/auth/anonymous', {
      body: 'apiKey=k',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses credentials by kind: no token 401, a JWT on a backend route 403, admin routes 403 without IDSTREAM_ADMIN_KEY', async () => {
    assertProblem(await call('POST', '/v1/auth/sign-out'), 401, 'UNAUTHORIZED');
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'k' })).toString('base64url');
    const jwt = `${header}.${Buffer.from('{}').toString('base64url')}.c2ln`;
    assertProblem(
      await call('GET', '/v1/backend/profiles?email=a@example.com', { headers: { authorization: `Bearer ${jwt}` } }),
      403,
      'FORBIDDEN',
    );
    assertProblem(
      await call('PATCH', '/v1/admin/workspaces/ws1', {
        body: '{}',
        headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
      }),
      403,
      'ADMIN_DISABLED',
    );
  });

  it('rate-limits the unauthenticated routes per client IP with 429 and Retry-After', async () => {
    let limited: Answer | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const answer = await postJson('/v1/auth/password-reset', { email: 'someone@example.com' });
      if (answer.status === 429) limited = answer;
      else assertProblem(answer, 401, 'UNAUTHORIZED');
    }
    assert.ok(limited, 'no 429 after 40 requests with a burst of 10');
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('serves /metrics without a rate limit: requests by route pattern, the RPC timeouts and the 429s moved', async () => {
    // The address's bucket is empty after the test above: /metrics still answers, every time.
    let text = '';
    for (let i = 0; i < 15; i++) {
      const response = await fetch(`${base}/metrics`);
      assert.equal(response.status, 200);
      text = await response.text();
    }
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    assert.ok(value('idstream_gateway_rpc_timeouts_total{service="auth"}') >= 1, 'the timed-out call to auth');
    assert.ok(value('idstream_gateway_rate_limit_refusals_total{bucket="workspace"}') >= 1, 'the 429s');
    assert.ok(value('idstream_gateway_http_requests_total{route="/v1/auth/anonymous",method="POST",status="503"}') >= 1);
    assert.ok(value('idstream_gateway_http_requests_total{route="/v1/auth/password-reset",method="POST",status="429"}') >= 1);
    assert.ok(value('idstream_gateway_http_requests_total{route="unmatched",method="GET",status="404"}') >= 1);
    assert.ok(value('idstream_gateway_http_requests_total{route="/v1/admin/workspaces/:id",method="PATCH",status="403"}') >= 1);
    assert.ok(value('idstream_gateway_http_requests_in_flight') >= 1, 'this very request is in flight');
    assert.doesNotMatch(text, /nothing-here|ws1|someone@example\.com/, 'no raw path, id or email in a label');
  });

  it('answers 503 at once once auth refuses connections', async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    // A backend route: its server key is checked by auth (and it has no rate limit).
    const answer = await call('GET', '/v1/backend/profiles?email=a@example.com', { headers: { authorization: 'Bearer some-server-key' } });
    assertProblem(answer, 503, 'SERVICE_UNAVAILABLE');
    assert.equal(answer.headers.get('retry-after'), '1');
    blackHole = net.createServer();
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });
});
