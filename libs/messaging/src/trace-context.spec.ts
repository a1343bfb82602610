import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { propagation, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { batchTraceOf, formatTraceparent, isSampledTraceparent, traceIdsOf } from './trace-context';

const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const sampled = `00-${traceId}-1122334455667788-01`;
const unsampled = `00-${traceId}-2122334455667788-00`;

describe('trace context', () => {
  it('reads the sampled flag of a traceparent without parsing it', () => {
    assert.equal(isSampledTraceparent(sampled), true);
    assert.equal(isSampledTraceparent(`00-${traceId}-1122334455667788-03`), true);
    assert.equal(isSampledTraceparent(unsampled), false);
    for (const other of [undefined, '', 'garbage', 42, `00-${traceId}-1122334455667788`, 'x'.repeat(200)])
      assert.equal(isSampledTraceparent(other), false);
  });

  it('formats a span context as a W3C traceparent', () => {
    assert.equal(formatTraceparent({ traceId, spanId: '1122334455667788', traceFlags: TraceFlags.SAMPLED }), sampled);
    assert.equal(formatTraceparent({ traceId, spanId: '2122334455667788', traceFlags: TraceFlags.NONE }), unsampled);
  });

  it('continues a batch from its sampled records only, and names the ids of a sampled traceparent only', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      assert.equal(batchTraceOf([{ traceparent: unsampled }, {}, undefined]), undefined);
      const traced = batchTraceOf([
        { traceparent: Buffer.from(unsampled) },
        { traceparent: Buffer.from(sampled) },
        { traceparent: sampled },
      ]);
      assert.equal(traced?.links.length, 2);
      assert.deepEqual(
        traced.links.map((l) => l.context.spanId),
        ['1122334455667788', '1122334455667788'],
      );
      assert.deepEqual(traceIdsOf(sampled), { traceId, spanId: '1122334455667788' });
      assert.equal(traceIdsOf(unsampled), undefined);
    } finally {
      propagation.disable();
    }
  });
});
