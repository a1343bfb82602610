import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { JsonLogger } from './json-logger';
import { startTracing, stopTracing, tracingSettingsFromEnv } from './tracing';

describe('tracing', () => {
  it('reads the endpoint and the sampler ratio, refusing a ratio outside 0..1', () => {
    assert.deepEqual(tracingSettingsFromEnv({}), { endpoint: undefined, ratio: 1 });
    assert.deepEqual(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '0.1' }), {
      endpoint: 'http://c:4318',
      ratio: 0.1,
    });
    assert.throws(() => tracingSettingsFromEnv({ OTEL_TRACES_SAMPLER_ARG: '10' }), /0\.\.1/);
  });

  it('writes no trace ids without an endpoint, and the active span ids once tracing', async () => {
    const lines: string[] = [];
    const logger = new JsonLogger('test', 'info', (line) => lines.push(line));
    startTracing('test', { endpoint: undefined });
    trace.getTracer('t').startActiveSpan('untraced', (span) => {
      logger.log({ msg: 'before', requestId: 'r1' });
      span.end();
    });
    assert.equal(JSON.parse(lines[0]!).traceId, undefined);

    startTracing('test', { endpoint: 'http://127.0.0.1:9', ratio: 1 });
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('t').startActiveSpan('traced', (span) => {
      ids = span.spanContext();
      logger.log({ msg: 'inside', requestId: 'r2' });
      span.end();
    });
    const inside = JSON.parse(lines[1]!);
    assert.equal(inside.requestId, 'r2');
    assert.equal(inside.traceId, ids!.traceId);
    assert.equal(inside.spanId, ids!.spanId);
    assert.match(inside.traceId, /^[0-9a-f]{32}$/);
    await stopTracing();
  });
});
