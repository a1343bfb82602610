import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span } from '@opentelemetry/api';

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
  options: { parent: Context; kind: SpanKind; attributes?: Record<string, string | number> },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = idstreamTracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, options.parent);
  try {
    return await context.with(trace.setSpan(options.parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };
