import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatTraceparent, idstreamTracer } from '@idstream/messaging';

const SPAN = Symbol('idstream.span');
const CONTEXT = Symbol('idstream.traceContext');
type Traced = FastifyRequest & { [SPAN]?: Span; [CONTEXT]?: Context };

const untraced = (url: string) => url.startsWith('/health') || url.startsWith('/metrics');

/**
 * One server span per HTTP request (not probes or scrapes), continuing the caller's W3C
 * `traceparent` header: this is where a trace is sampled or not, once (the sampler of
 * tracing.ts). A sampled request's span gets its attributes and its context is active in the
 * route handler; an unsampled one is only a span context (ids and flags 00, no attributes, no
 * active context: it costs two ids and the sampler's decision), which `requestTraceparent`
 * still hands on so that auth keeps the decision. A no-op until startTracing() registers a
 * provider.
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: Traced, _reply: FastifyReply, done: () => void) => {
    if (untraced(request.url)) return done();
    const parent = request.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, request.headers);
    const span = idstreamTracer().startSpan('http', { kind: SpanKind.SERVER }, parent);
    request[SPAN] = span;
    if (span.isRecording()) {
      const route = request.routeOptions.url ?? 'unmatched';
      span.updateName(`${request.method} ${route}`);
      span.setAttributes({ 'http.request.method': request.method, 'http.route': route, 'idstream.request_id': String(request.id) });
      request[CONTEXT] = trace.setSpan(parent, span);
    }
    done();
  });
  fastify.addHook('preHandler', (request: Traced, _reply: FastifyReply, done: () => void) => {
    const ctx = request[CONTEXT];
    if (ctx) context.with(ctx, done);
    else done();
  });
  fastify.addHook('onResponse', (request: Traced, reply: FastifyReply, done: () => void) => {
    const span = request[SPAN];
    if (span?.isRecording()) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}

/**
 * The `traceparent` of a request's server span, sampled (flags 01) or not (00), for the RPC
 * meta and the tracking record; undefined when the request is not traced (no provider, or a
 * probe).
 */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  const spanContext = (request as Traced)[SPAN]?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : undefined;
}

/** The `traceIds` of a request's sampled server span, for the log lines that name the request. */
export function requestTraceIds(request: FastifyRequest): { traceId: string; spanId: string } | undefined {
  const span = (request as Traced)[SPAN];
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
