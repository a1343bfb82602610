import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { firstValueFrom, Observable } from 'rxjs';
import * as C from '@idstream/contracts';
import { startTracing, stopTracing } from '@idstream/runtime';
import { CommandMetricsInterceptor } from './command-metrics.interceptor';

/** What the command's handler saw as the active span (after an await, as a handler's outbox write does). */
async function activeDuringCommand(traceparent: string | undefined): Promise<{ traceId: string; spanId: string } | undefined> {
  const meta = { requestId: 'r1', ip: '127.0.0.1', ...(traceparent ? { traceparent } : {}) };
  const execution = {
    getType: () => 'rpc',
    getHandler: () => function getAccount() {},
    switchToRpc: () => ({ getData: () => ({ meta }) }),
  } as unknown as ExecutionContext;
  let seen: { traceId: string; spanId: string } | undefined;
  const next: CallHandler = {
    handle: () =>
      new Observable((subscriber) => {
        void Promise.resolve().then(() => {
          seen = trace.getSpan(context.active())?.spanContext();
          subscriber.next(C.ok({}));
          subscriber.complete();
        });
      }),
  };
  await firstValueFrom(new CommandMetricsInterceptor().intercept(execution, next));
  return seen && { traceId: seen.traceId, spanId: seen.spanId };
}

/** Auth keeps the gateway's sampling decision: only a sampled request runs in a command span. */
describe('CommandMetricsInterceptor tracing', () => {
  const traceId = 'e1b2c3d4e5f60718293a4b5c6d7e8f90';
  before(() => startTracing('test', { endpoint: 'http://127.0.0.1:9', ratio: 1 }));
  after(() => stopTracing());

  it('runs a command the gateway did not sample with no span at all', async () => {
    assert.equal(await activeDuringCommand(`00-${traceId}-1122334455667788-00`), undefined);
  });

  it('runs a sampled command in its own span, child of the gateway request', async () => {
    const active = await activeDuringCommand(`00-${traceId}-1122334455667788-01`);
    assert.equal(active?.traceId, traceId);
    assert.notEqual(active?.spanId, '1122334455667788');
  });
});
