import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@idstream/runtime';

/**
 * The gateway's metrics on the process registry (/metrics), named like the projector's and
 * the ingester's: `idstream_<app>_<what>_<unit>`. Labels carry route patterns
 * (`/v1/backend/profiles/:profileId`), never a raw path: no id, email or token reaches them.
 * Module-level, like the consumer metrics of libs/runtime: a registry takes each name once.
 */
export const gatewayMetrics = {
  requests: new Counter({
    name: 'idstream_gateway_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [metricsRegistry],
  }),
  duration: new Histogram({
    name: 'idstream_gateway_http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metricsRegistry],
  }),
  inFlight: new Gauge({
    name: 'idstream_gateway_http_requests_in_flight',
    help: 'Requests received and not answered yet',
    registers: [metricsRegistry],
  }),
  rateLimited: new Counter({
    name: 'idstream_gateway_rate_limit_refusals_total',
    help: "Requests refused with 429 by the edge's buckets: the address's ceiling, or a workspace's bucket",
    labelNames: ['bucket'],
    registers: [metricsRegistry],
  }),
  rpcTimeouts: new Counter({
    name: 'idstream_gateway_rpc_timeouts_total',
    help: 'Calls to auth or the projector that got no answer within GATEWAY_REQUEST_TIMEOUT_MS (answered 503)',
    labelNames: ['service'],
    registers: [metricsRegistry],
  }),
};

/** A request that matched no route is counted under one label, whatever its path. */
export const UNMATCHED_ROUTE = 'unmatched';

export function routeLabel(request: Pick<FastifyRequest, 'routeOptions'>): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** Counts and times every request at Fastify's hooks: from onRequest to onResponse, or to its abort. */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const started = new WeakMap<FastifyRequest, bigint>();
    const finish = (request: FastifyRequest, status: string) => {
      const start = started.get(request);
      if (start === undefined) return;
      started.delete(request);
      gatewayMetrics.inFlight.dec();
      const labels = { route: routeLabel(request), method: request.method, status };
      gatewayMetrics.requests.inc(labels);
      gatewayMetrics.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    };
    fastify.addHook('onRequest', (request, _reply, done) => {
      started.set(request, process.hrtime.bigint());
      gatewayMetrics.inFlight.inc();
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      finish(request, String(reply.statusCode));
      done();
    });
    // The client went away before the answer: counted as such, and no longer in flight.
    fastify.addHook('onRequestAbort', (request, done) => {
      finish(request, 'aborted');
      done();
    });
  }
}
