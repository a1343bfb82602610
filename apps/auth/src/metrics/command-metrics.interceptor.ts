import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { SpanStatusCode, context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import { Observable, tap } from 'rxjs';
import type { Reply, RequestMeta } from '@idstream/contracts';
import { SpanKind, contextOf, idstreamTracer, isSampledTraceparent } from '@idstream/messaging';
import { commandMetrics, commandOutcome } from './command-metrics';

/**
 * Around every RPC answer of auth: counts it by command (the controller method's name) and
 * outcome, times it, and runs it in a server span continuing the gateway's `meta.traceparent`
 * (so the outbox rows it writes carry this trace). The gateway decided the sampling: a
 * `traceparent` with flags 00 gives a span that does not record, and then the command runs with
 * no span and no active context (nothing to carry, so its outbox rows carry no trace either).
 * HTTP routes (/health, /metrics) pass through.
 */
@Injectable()
export class CommandMetricsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const command = context.getHandler().name;
    const meta = (context.switchToRpc().getData<{ meta?: RequestMeta } | null>() ?? {}).meta;
    const traced = commandSpan(command, meta?.traceparent);
    const stop = commandMetrics.seconds.startTimer({ command });
    const record = (reply: unknown, thrown: boolean) => {
      stop();
      const { outcome, code } = commandOutcome(reply as Reply<unknown> | undefined, thrown);
      commandMetrics.total.inc({ command, outcome, code });
      if (traced) endSpan(traced.span, outcome, code);
    };
    const handled = traced
      ? new Observable<unknown>((subscriber) => otelContext.with(traced.context, () => next.handle().subscribe(subscriber)))
      : next.handle();
    return handled.pipe(
      tap({
        next: (reply) => record(reply, false),
        error: () => record(undefined, true),
      }),
    );
  }
}

/**
 * The command's recording span and the context it is active in, or undefined: the gateway did
 * not sample the request (a `traceparent` present but unsampled: no span, no ids, no parse), or
 * this app's sampler does not record a new trace (no `traceparent`).
 */
function commandSpan(command: string, traceparent: string | undefined): { span: Span; context: Context } | undefined {
  if (traceparent !== undefined && !isSampledTraceparent(traceparent)) return undefined;
  const parent = contextOf(traceparent);
  const span = idstreamTracer().startSpan(`auth ${command}`, { kind: SpanKind.SERVER, attributes: { 'rpc.method': command } }, parent);
  return span.isRecording() ? { span, context: trace.setSpan(parent, span) } : undefined;
}

function endSpan(span: Span, outcome: string, code: string | undefined): void {
  span.setAttribute('idstream.outcome', outcome);
  if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.end();
}
