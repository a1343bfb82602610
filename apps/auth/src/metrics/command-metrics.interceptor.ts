import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import { Observable, tap } from 'rxjs';
import type { Reply, RequestMeta } from '@idstream/contracts';
import { SpanKind, contextOf, idstreamTracer } from '@idstream/messaging';
import { commandMetrics, commandOutcome } from './command-metrics';

/**
 * Around every RPC answer of auth: counts it by command (the controller method's name) and
 * outcome, times it, and runs it in a server span continuing the gateway's `meta.traceparent`
 * (so the outbox rows it writes carry this trace). HTTP routes (/health, /metrics) pass through.
 */
@Injectable()
export class CommandMetricsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const command = context.getHandler().name;
    const meta = (context.switchToRpc().getData<{ meta?: RequestMeta } | null>() ?? {}).meta;
    const parent = contextOf(meta?.traceparent);
    const span = idstreamTracer().startSpan(`auth ${command}`, { kind: SpanKind.SERVER, attributes: { 'rpc.method': command } }, parent);
    const active = trace.setSpan(parent, span);
    const stop = commandMetrics.seconds.startTimer({ command });
    const record = (reply: unknown, thrown: boolean) => {
      stop();
      const { outcome, code } = commandOutcome(reply as Reply<unknown> | undefined, thrown);
      commandMetrics.total.inc({ command, outcome, code });
      span.setAttribute('idstream.outcome', outcome);
      if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
    };
    const traced = new Observable<unknown>((subscriber) => otelContext.with(active, () => next.handle().subscribe(subscriber)));
    return traced.pipe(
      tap({
        next: (reply) => record(reply, false),
        error: () => record(undefined, true),
      }),
    );
  }
}
