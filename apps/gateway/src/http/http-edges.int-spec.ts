import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, startNodeProcess, testBrokers, waitFor, type RunningProcess } from '@idstream/testing';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
}

/** Parses one HTTP/1.1 response read off a raw socket (the tests below write malformed or slow requests). */
function parseRaw(text: string): RawAnswer {
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const body = rest.join('\r\n\r\n');
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? (JSON.parse(body) as Record<string, unknown>) : null };
}

/**
 * The gateway's HTTP edges, as a process with auth unreachable (none of this needs it): security
 * headers, no-store, and what Node's parser refuses (oversized headers, slow clients) as
 * problem+json with x-request-id. TRUST_PROXY=true so that X-Forwarded-Proto counts.
 */
describe('gateway HTTP edges', () => {
  let gateway: RunningProcess;
  let port: number;
  let base: string;

  before(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startNodeProcess('apps/gateway/src/main.js', {
      GATEWAY_PORT: String(port),
      AUTH_TCP_PORT: String(await freePort()),
      PROJECTOR_TCP_PORT: String(await freePort()),
      GATEWAY_REQUEST_TIMEOUT_MS: '500',
      // Short on purpose: the slow-client tests below wait far longer than these before they fail.
      GATEWAY_HEADERS_TIMEOUT_MS: '1000',
      GATEWAY_RECEIVE_TIMEOUT_MS: '2000',
      TRUST_PROXY: 'true',
      KAFKA_BROKERS: testBrokers().join(','),
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
  });

  /** Writes `chunks` to a raw socket (all but the last when `slow`: a client that stalls), and reads until the server closes. */
  const raw = (chunks: string[], slow = false): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => (text += data));
      socket.on('error', reject);
      socket.on('close', () => {
        try {
          resolve(parseRaw(text));
        } catch (error) {
          reject(new Error(`unreadable answer ${JSON.stringify(text.slice(0, 500))}: ${String(error)}`));
        }
      });
      // Far beyond the configured timeouts: the server must have answered by then.
      socket.setTimeout(60_000, () => socket.destroy(new Error('no answer within 60 s')));
      socket.on('connect', () => {
        for (const chunk of chunks.slice(0, -1)) socket.write(chunk);
        if (!slow) socket.write(chunks.at(-1)!);
      });
    });

  const assertRawProblem = (answer: RawAnswer, status: number, code: string) => {
    assert.equal(answer.status, status, JSON.stringify(answer));
    assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(answer.body?.code, code);
    assert.equal(answer.body?.status, status);
    assert.ok(answer.headers['x-request-id'], 'x-request-id');
    assert.equal(answer.body?.requestId, answer.headers['x-request-id']);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  };

  it('answers oversized headers (a 27 KB Authorization) with 431 problem+json and x-request-id', async () => {
    const answer = await raw([`GET /v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(27_000)}\r\n\r\n`]);
    assertRawProblem(answer, 431, 'HEADERS_TOO_LARGE');
    // The same through fetch, as a client sees it.
    const response = await fetch(`${base}/v1/account`, { headers: { authorization: `Bearer ${'a'.repeat(27_000)}` } });
    assert.equal(response.status, 431);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(response.headers.get('x-request-id'));
  });

  it('answers headers that never finish with 408 problem+json and closes the connection', async () => {
    const answer = await raw(['GET /health/live HTTP/1.1\r\nHost: x\r\n', 'X-Slow: still-coming\r\n'], true);
    assertRawProblem(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('answers a body that never finishes with 408 problem+json', async () => {
    const answer = await raw(
      [
        'POST /v1/auth/anonymous HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"apiKey":',
        '"never-finished"}',
      ],
      true,
    );
    assertRawProblem(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('answers what is not HTTP with 400 problem+json', async () => {
    assertRawProblem(await raw(['NOT-HTTP at all\r\n\r\n']), 400, 'MALFORMED_REQUEST');
  });

  it('puts the security headers and no-store on every response: health, 404, problems, API', async () => {
    for (const [method, path] of [
      ['GET', '/health/live'],
      ['GET', '/v1/nothing-here'],
      ['POST', '/v1/auth/anonymous'],
      ['GET', '/docs/openapi.json'],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });
      await response.body?.cancel();
      const header = (name: string) => response.headers.get(name) ?? '';
      assert.equal(header('x-content-type-options'), 'nosniff', path);
      assert.match(header('content-security-policy'), /default-src 'none'/, path);
      assert.match(header('content-security-policy'), /frame-ancestors 'none'/, path);
      assert.equal(header('referrer-policy'), 'no-referrer', path);
      assert.equal(header('cache-control'), 'no-store', path);
      assert.equal(header('strict-transport-security'), '', `${path}: no HSTS over plain HTTP`);
    }
  });

  it('sends HSTS when a trusted proxy says the request came over TLS', async () => {
    const response = await fetch(`${base}/health/live`, { headers: { 'x-forwarded-proto': 'https' } });
    await response.body?.cancel();
    assert.match(response.headers.get('strict-transport-security') ?? '', /^max-age=31536000/);
  });

  it('keeps Swagger UI at /docs working: its page loads only its own scripts, and may not be framed', async () => {
    const response = await fetch(`${base}/docs`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0, 'the page has scripts');
    for (const [, attributes, inline] of scripts) {
      assert.match(attributes!, /src="/, 'no inline script (the CSP would block it)');
      assert.equal(inline!.trim(), '');
      const src = /src="([^"]+)"/.exec(attributes!)![1]!;
      const asset = await fetch(new URL(src, `${base}/docs`));
      assert.equal(asset.status, 200, src);
      // Read to the end: a cancelled large download leaves the server's socket busy, and the
      // gateway's graceful stop waits for it.
      await asset.arrayBuffer();
    }
  });
});
