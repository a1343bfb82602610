import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import type { Reply } from '@idstream/contracts';
import { commandMetrics, commandOutcome } from './command-metrics';

/**
 * Counts every RPC answer of auth by command (the controller method's name) and outcome, and
 * times it. HTTP routes (/health, /metrics) pass through uncounted.
 */
@Injectable()
export class CommandMetricsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const command = context.getHandler().name;
    const stop = commandMetrics.seconds.startTimer({ command });
    const record = (reply: unknown, thrown: boolean) => {
      stop();
      const { outcome, code } = commandOutcome(reply as Reply<unknown> | undefined, thrown);
      commandMetrics.total.inc({ command, outcome, code });
    };
    return next.handle().pipe(
      tap({
        next: (reply) => record(reply, false),
        error: () => record(undefined, true),
      }),
    );
  }
}
