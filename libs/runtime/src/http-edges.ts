import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where Swagger UI lives: its page loads its own scripts, styles and images (the OpenAPI JSON is API). */
const DOCS_PREFIX = '/docs';

/** A JSON API answers nothing a browser should render, frame, or fetch more from. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * Swagger UI's page: its scripts, styles and images from this origin (its styles and the
 * petstore-style logo are inline or data: URLs), nothing else, never framed.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** One year, subdomains included: sent only on responses that travelled over TLS. */
const HSTS = 'max-age=31536000; includeSubDomains';

export function isDocsPage(url: string): boolean {
  const path = url.split('?')[0]!;
  return (path === DOCS_PREFIX || path.startsWith(`${DOCS_PREFIX}/`)) && !path.endsWith('.json');
}

/**
 * The security headers of every response. `overTls`: the request came over TLS, seen by the
 * socket or, behind a trusted proxy (TRUST_PROXY), by X-Forwarded-Proto: only then HSTS (a
 * browser ignores it over plain HTTP, and a proxy that terminates TLS is the one to vouch).
 */
export function securityHeaders(url: string, overTls: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': isDocsPage(url) ? DOCS_CSP : API_CSP,
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (overTls) headers['strict-transport-security'] = HSTS;
  return headers;
}

/**
 * Every response: the request id (the caller's or a new one), the security headers, and
 * `Cache-Control: no-store` unless the route chose its own caching. The one rule for tokens:
 * no route of ours sets a cache header on a body with a token (anonymous, sign-in, refresh,
 * and any later one), so none is ever stored by a browser or a proxy; nor is personal data.
 */
export function installResponseHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header('x-request-id', String(request.id).slice(0, 128));
    void reply.headers(securityHeaders(request.url, request.protocol === 'https'));
    done();
  });
  fastify.addHook(
    'onSend',
    (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, value: unknown) => void) => {
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      done(null, payload);
    },
  );
}

interface ClientError extends Error {
  code?: string;
}

/** What Node's HTTP parser refuses before any route runs, as a problem: status, code, detail. */
function clientProblem(error: ClientError): [number, string, string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time (headers or body too slow)'];
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'HEADERS_TOO_LARGE', 'The request headers are larger than the limit'];
  return [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP'];
}

/** A problem+json body as the gateway's filter writes them. */
function problemBody(status: number, code: string, detail: string, requestId: string): string {
  return JSON.stringify({
    type: `urn:idstream:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[status],
    status,
    code,
    detail,
    requestId,
  });
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode (`%FF`) or a path parameter over
 * its length limit is refused before any hook runs, so the headers are set here.
 */
export function answerFrameworkError(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode === 414 ? 414 : 400;
  const [code, detail] =
    status === 414 ? ['URI_TOO_LONG', 'A path parameter is longer than the limit'] : ['MALFORMED_REQUEST', 'The URL is not valid'];
  const requestId = String(request.id).slice(0, 128);
  void reply
    .code(status)
    .headers({ ...securityHeaders('', false), 'x-request-id': requestId, 'cache-control': 'no-store' })
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(status, code, detail, requestId));
}

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request (headers too large, too
 * slow, not HTTP) before Fastify saw a request, so no hook ran and nothing else will answer.
 * The answer is problem+json like every other, with a fresh `x-request-id` and the same
 * security headers, and the connection is closed.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = clientProblem(error);
  const requestId = randomUUID();
  const body = problemBody(status, code, detail, requestId);
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    'cache-control': 'no-store',
    connection: 'close',
    ...securityHeaders('', false),
  };
  if (socket.writable) {
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}
