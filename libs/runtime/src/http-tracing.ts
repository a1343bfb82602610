import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const SPAN = Symbol('idstream.span');
const CONTEXT = Symbol('idstream.traceContext');
type Traced = FastifyRequest & { [SPAN]?: Span; [CONTEXT]?: Context };

const untraced = (url: string) => url.startsWith('/health') || url.startsWith('/metrics');

/**
 * One server span per HTTP request (not probes or scrapes), continuing the caller's W3C
 * `traceparent` header; the span's context is active in the route handler and is what
 * `requestTraceContext` returns for explicit propagation (the RPC meta). A no-op until
 * startTracing() registers a provider.
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: Traced, _reply: FastifyReply, done: () => void) => {
    if (untraced(request.url)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = trace.getTracer('idstream').startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'idstream.request_id': String(request.id) },
      },
      parent,
    );
    request[SPAN] = span;
    request[CONTEXT] = trace.setSpan(parent, span);
    done();
  });
  fastify.addHook('preHandler', (request: Traced, _reply: FastifyReply, done: () => void) => {
    const ctx = request[CONTEXT];
    if (ctx) context.with(ctx, done);
    else done();
  });
  fastify.addHook('onResponse', (request: Traced, reply: FastifyReply, done: () => void) => {
    const span = request[SPAN];
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}

/** The trace context of a request's server span (the active one when the request is not traced). */
export function requestTraceContext(request: FastifyRequest): Context {
  return (request as Traced)[CONTEXT] ?? context.active();
}
