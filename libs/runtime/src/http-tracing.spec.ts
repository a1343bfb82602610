import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { installHttpTracing, requestTraceIds, requestTraceparent } from './http-tracing';
import { startTracing, stopTracing } from './tracing';

/** The sampling decision is made once, here: a sampled request is traced in full, an unsampled one is only handed on. */
describe('HTTP tracing', () => {
  let fastify: FastifyInstance;
  const seen: { active?: string; traceparent?: string; ids?: { traceId: string; spanId: string } }[] = [];

  before(async () => {
    // Ratio 1: every new trace is sampled, so the caller's flags alone decide below.
    startTracing('test', { endpoint: 'http://127.0.0.1:9', ratio: 1 });
    fastify = new FastifyAdapter().getInstance<FastifyInstance>();
    installHttpTracing(fastify);
    fastify.get('/traced', async (request) => {
      await Promise.resolve();
      seen.push({
        active: trace.getSpan(context.active())?.spanContext().traceId,
        traceparent: requestTraceparent(request),
        ids: requestTraceIds(request),
      });
      return {};
    });
    await fastify.ready();
  });
  after(async () => {
    await fastify.close();
    await stopTracing();
  });

  it('hands on an unsampled caller decision with flags 00, with no active span and no ids for log lines', async () => {
    const traceId = 'c1b2c3d4e5f60718293a4b5c6d7e8f90';
    await fastify.inject({ method: 'GET', url: '/traced', headers: { traceparent: `00-${traceId}-1122334455667788-00` } });
    const request = seen.pop()!;
    assert.equal(request.active, undefined);
    assert.equal(request.ids, undefined);
    assert.match(request.traceparent!, new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    assert.doesNotMatch(request.traceparent!, /1122334455667788/);
  });

  it('makes a sampled request span active and hands on its traceparent', async () => {
    const traceId = 'd1b2c3d4e5f60718293a4b5c6d7e8f90';
    await fastify.inject({ method: 'GET', url: '/traced', headers: { traceparent: `00-${traceId}-1122334455667788-01` } });
    const request = seen.pop()!;
    assert.equal(request.active, traceId);
    assert.equal(request.ids?.traceId, traceId);
    assert.equal(request.traceparent, `00-${traceId}-${request.ids?.spanId}-01`);
  });

  it('samples a new trace at the edge (ratio 1 here)', async () => {
    await fastify.inject({ method: 'GET', url: '/traced' });
    const request = seen.pop()!;
    assert.match(request.traceparent!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(request.active, request.ids?.traceId);
  });
});
