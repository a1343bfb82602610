import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  propagation,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';

/**
 * W3C trace context across idstream's hops (HTTP → RPC meta → outbox row → Kafka header →
 * consumer), on the OpenTelemetry API only: until runtime's startTracing() registers a
 * provider and a propagator, every call here is a no-op (no span, no header).
 *
 * The sampling decision is made once, at the gateway. An unsampled request's decision reaches
 * auth as a `traceparent` with flags 00 in the RPC meta, so auth neither records nor samples it
 * again; from there on an unsampled request carries no trace context at all (no span, no active
 * context, no outbox or Kafka header), and the hops after it cost nothing: a consumer only ever
 * continues a sampled `traceparent`, it never starts a trace of its own.
 */
export const TRACEPARENT = 'traceparent';

let tracer: Tracer | undefined;
/**
 * The one tracer of idstream, looked up once: the API's lookup builds a cache key on every call.
 * Taken before startTracing() it is the API's proxy, which finds the provider once registered.
 */
export const idstreamTracer = (): Tracer => (tracer ??= trace.getTracer('idstream'));

/** The W3C `traceparent` of a span context (version 00; tracestate is not carried). */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** The `traceparent` of `ctx` (default: the active context), or undefined when it holds no valid span context. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : undefined;
}

/**
 * Whether a `traceparent` value says "sampled" (its flags' low bit), read without parsing the
 * rest: the cheap test that lets every hop skip an unsampled or absent trace.
 */
export function isSampledTraceparent(traceparent: unknown): traceparent is string {
  // 00-<32 hex>-<16 hex>-<2 hex>: the flags are the last two characters of a version-00 value
  // (a later version may append fields; contextOf() parses those in full).
  if (typeof traceparent !== 'string' || traceparent.length < 55 || traceparent.length > 128) return false;
  const flags = Number.parseInt(traceparent.slice(53, 55), 16);
  return Number.isInteger(flags) && (flags & TraceFlags.SAMPLED) !== 0;
}

/** `traceId` and `spanId` of a sampled `traceparent`, for a log line about the work it traces (undefined for an unsampled one). */
export function traceIdsOf(traceparent: unknown): { traceId: string; spanId: string } | undefined {
  if (!isSampledTraceparent(traceparent)) return undefined;
  const spanContext = trace.getSpanContext(contextOf(traceparent));
  return spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : undefined;
}

/** The context a `traceparent` value continues (the root context when absent or malformed). */
export function contextOf(traceparent: unknown): Context {
  if (typeof traceparent !== 'string' || traceparent.length > 128) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent });
}

/**
 * Runs `work` in a new span, child of `parent`, made active for the whole async call chain;
 * the span ends when `work` settles and records a throw as an error. A span the sampler does
 * not record is not made active: `work` runs as if untraced (no context to carry along).
 */
export async function inSpan<T>(
  name: string,
  options: { parent: Context; kind: SpanKind; attributes?: Record<string, string | number>; links?: Link[] },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = idstreamTracer().startSpan(
    name,
    { kind: options.kind, attributes: options.attributes, links: options.links },
    options.parent,
  );
  if (!span.isRecording()) return work(span);
  try {
    return await context.with(trace.setSpan(options.parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * For a consumer that handles many records in one unit (a batch): the first sampled record's
 * context as the parent and a link to every sampled record, or undefined when none is sampled
 * (records without a `traceparent`, or with an unsampled one, cost one string test each).
 */
export function batchTraceOf(headers: (Record<string, unknown> | undefined)[]): { parent: Context; links: Link[] } | undefined {
  const links: Link[] = [];
  let parent: Context | undefined;
  for (const h of headers) {
    const raw = h?.[TRACEPARENT];
    const value = Buffer.isBuffer(raw) ? raw.toString() : raw;
    if (!isSampledTraceparent(value)) continue;
    const ctx = contextOf(value);
    const spanContext = trace.getSpanContext(ctx);
    if (!spanContext) continue;
    parent ??= ctx;
    links.push({ context: spanContext });
  }
  return parent ? { parent, links } : undefined;
}

export { SpanKind };
