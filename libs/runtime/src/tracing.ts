import { context, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (spans go to `<it>/v1/traces`, OTLP/HTTP JSON). */
  endpoint?: string;
  /** OTEL_TRACES_SAMPLER_ARG: the share of new traces recorded, 0..1 (default 1); a traced parent's decision is kept. */
  ratio?: number;
}

export function tracingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number in 0..1, got "${raw}"`);
  return { endpoint, ratio };
}

let provider: NodeTracerProvider | undefined;

/**
 * Registers the tracer provider of `app` when an OTLP endpoint is configured: a parent-based
 * ratio sampler, batched OTLP/HTTP JSON export and the W3C propagator. Without an endpoint
 * nothing is registered and the API stays a no-op (zero cost).
 *
 * `asyncContext` (default true) also registers the AsyncLocalStorage context manager, which
 * carries the active span across awaits: auth needs it (its outbox rows and log lines find the
 * command's span that way), and so do the consumers. On Node 20 it costs on every promise of
 * the process once one traced unit of work ran (AsyncLocalStorage turns on promise hooks), so
 * the gateway, which hands its request's trace on explicitly (http-tracing.ts), goes without.
 */
export function startTracing(
  app: string,
  settings: TracingSettings = tracingSettingsFromEnv(),
  options: { asyncContext?: boolean } = {},
): void {
  if (!settings.endpoint || provider) return;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': app }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.ratio ?? 1) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator(), ...(options.asyncContext === false ? { contextManager: null } : {}) });
}

/** Exports the spans still buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
}

/** `traceId` and `spanId` of the active span, for log lines (empty when not tracing). */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  if (!provider) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
