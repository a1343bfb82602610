import { Controller, Get, Header } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, with the default Node.js metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

@Controller()
export class MetricsController {
  @Get('metrics')
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
