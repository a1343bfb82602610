import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

/**
 * W3C trace context across idstream's hops (HTTP → RPC meta → outbox row → Kafka header →
 * consumer), on the OpenTelemetry API only: until runtime's startTracing() registers a
 * provider and a propagator, every call here is a no-op (no span, no header).
 */
export const TRACEPARENT = 'traceparent';

export const idstreamTracer = () => trace.getTracer('idstream');

/** The `traceparent` of `ctx` (default: the active context), or undefined when none is sampled or traced. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier[TRACEPARENT];
}

/** The context a `traceparent` value continues (the root context when absent or malformed). */
export function contextOf(traceparent: unknown): Context {
  if (typeof traceparent !== 'string' || traceparent.length > 128) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent });
}

/**
 * Runs `work` in a new span, child of `parent`, made active for the whole async call chain;
 * the span ends when `work` settles and records a throw as an error.
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
 * For a consumer that handles many records in one unit (a batch): the first traced record's
 * context as the parent and a link to every traced record, or undefined when none is traced.
 */
export function batchTraceOf(headers: (Record<string, unknown> | undefined)[]): { parent: Context; links: Link[] } | undefined {
  const links: Link[] = [];
  let parent: Context | undefined;
  for (const h of headers) {
    const value = h?.[TRACEPARENT];
    const ctx = contextOf(Buffer.isBuffer(value) ? value.toString() : value);
    const spanContext = trace.getSpanContext(ctx);
    if (!spanContext) continue;
    parent ??= ctx;
    links.push({ context: spanContext });
  }
  return parent ? { parent, links } : undefined;
}

export { SpanKind };
