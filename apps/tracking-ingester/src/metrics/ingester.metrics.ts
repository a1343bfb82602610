import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '@idstream/runtime';
import type { BatchOutputs } from '../ingest/raw-batch.processor';

/**
 * The ingester's own counters on the process registry (/metrics); consumer lag per partition
 * comes from the shared `idstream_consumer_lag` gauge (startLagCollector).
 */
export class IngesterMetrics {
  readonly eventsIn = new Counter({
    name: 'idstream_tracking_events_in_total',
    help: 'Events read from tracking.raw (an unreadable record counts as one)',
    registers: [metricsRegistry],
  });
  readonly accepted = new Counter({
    name: 'idstream_tracking_events_accepted_total',
    help: 'Events written to tracking.events (committed)',
    registers: [metricsRegistry],
  });
  readonly rejected = new Counter({
    name: 'idstream_tracking_events_rejected_total',
    help: 'Events written to tracking.rejected (committed), by reason',
    labelNames: ['code'],
    registers: [metricsRegistry],
  });
  readonly batchFailures = new Counter({
    name: 'idstream_tracking_batch_failures_total',
    help: 'Batches whose transaction was aborted (they are retried)',
    registers: [metricsRegistry],
  });
  readonly batchSeconds = new Histogram({
    name: 'idstream_tracking_batch_seconds',
    help: 'Time to process and commit one batch of tracking.raw',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metricsRegistry],
  });

  /** After a committed transaction. */
  recordBatch(outputs: BatchOutputs, durationMs: number): void {
    this.eventsIn.inc(outputs.eventsIn);
    this.accepted.inc(outputs.accepted.length);
    for (const [code, count] of outputs.rejectCounts) this.rejected.inc({ code }, count);
    this.batchSeconds.observe(durationMs / 1000);
  }
}
