import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, with the default Node.js metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Prometheus text format; no personal data (labels are route patterns, groups, topics, codes). Never rate-limited. */
@ApiTags('operations')
@Controller()
export class MetricsController {
  @Get('metrics')
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus metrics of this process' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: 'idstream_gateway_http_requests_in_flight 1' } } },
  })
  @Header('content-type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

/** The metrics every idempotent consumer reports, labelled by its group. */
export const consumerMetrics = {
  applied: new Counter({
    name: 'idstream_consumer_events_applied_total',
    help: 'Events applied by a consumer group',
    labelNames: ['group', 'topic'],
    registers: [metricsRegistry],
  }),
  errors: new Counter({
    name: 'idstream_consumer_handler_errors_total',
    help: 'Messages a consumer group dead-lettered or failed to apply',
    labelNames: ['group', 'topic'],
    registers: [metricsRegistry],
  }),
  lag: new Gauge({
    name: 'idstream_consumer_lag',
    help: 'Messages between the high watermark and the committed position, per partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
};

/**
 * Messages a consumer has not processed in one partition: from its position (the next
 * offset it will read) to the high watermark. No position yet means it starts at the low
 * watermark (a group reading from the beginning).
 */
export function partitionLag(high: string, low: string, position: string | undefined): number {
  const end = BigInt(high);
  const from = position === undefined || BigInt(position) < 0n ? BigInt(low) : BigInt(position);
  return Number(end > from ? end - from : 0n);
}

export interface LagSource {
  group: string;
  topic: string;
  /**
   * The group's next offset per partition. Defaults to the offsets committed in Kafka; a
   * consumer that keeps its checkpoints in its database (IdempotentConsumer) passes those,
   * since they, not Kafka's, are the truth.
   */
  positions?: () => Promise<Map<number, string>>;
}

/** Measures the lag of each partition of `source.topic` once and sets `idstream_consumer_lag`. */
export async function recordConsumerLag(admin: Admin, source: LagSource): Promise<void> {
  const ends = await admin.fetchTopicOffsets(source.topic);
  let positions: Map<number, string>;
  if (source.positions) positions = await source.positions();
  else {
    const [committed] = await admin.fetchOffsets({ groupId: source.group, topics: [source.topic] });
    positions = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
  }
  for (const { partition, high, low } of ends) {
    consumerMetrics.lag.set(
      { group: source.group, topic: source.topic, partition: String(partition) },
      partitionLag(high, low, positions.get(partition)),
    );
  }
}

/**
 * Measures lag now and every `intervalMs` until stopped (on its own admin connection);
 * a failed measurement is reported and retried at the next tick.
 */
export function startLagCollector(
  kafka: Kafka,
  source: LagSource,
  intervalMs: number,
  onError?: (error: unknown) => void,
): { stop(): Promise<void> } {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = (async () => {
      try {
        connected ??= admin.connect();
        await connected;
        if (!stopped) await recordConsumerLag(admin, source);
      } catch (error) {
        connected = undefined;
        onError?.(error);
      }
    })();
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await admin.disconnect().catch(() => undefined);
    },
  };
}
