import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Type } from '@nestjs/common';
import { answerClientError, answerFrameworkError, installResponseHeaders } from './http-edges';
import { installHttpTracing } from './http-tracing';
import { JsonLogger } from './json-logger';
import { RpcServer } from './rpc-server';
import { startTracing } from './tracing';
import { scrub } from './redaction';

export interface HttpAppSettings {
  app: string;
  host: string;
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Also serve `@MessagePattern` handlers over Nest's TCP transport on this port. */
  tcp?: { host: string; port: number };
  bodyLimit?: number;
  /** Trust X-Forwarded-For for the client IP: only behind a proxy that sets it (default false). */
  trustProxy?: boolean;
  /**
   * Slow clients: the headers must arrive within `headersMs` and the whole request (headers and
   * body) within `requestMs`, else 408 and the connection is closed (defaults 10 s and 30 s).
   */
  timeouts?: { headersMs: number; requestMs: number };
  /**
   * Tracing without the async context manager (tracing.ts): for an app that hands every trace
   * on explicitly (the gateway), so that tracing costs nothing per promise. Default: with it.
   */
  explicitTraceContext?: boolean;
  /** Runs after the app is created and before it listens (e.g. to add the OpenAPI routes). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Starts one app: Nest on Fastify for HTTP (health, metrics, and the gateway's API), an
 * optional TCP microservice for commands and queries (RpcServer: Nest's, with coalesced writes), JSON logs, and shutdown hooks so
 * SIGTERM drains consumers and closes connections in order.
 */
export async function startApp(module: Type<unknown>, settings: HttpAppSettings): Promise<NestFastifyApplication> {
  startTracing(settings.app, undefined, { asyncContext: !settings.explicitTraceContext });
  const logger = new JsonLogger(settings.app, settings.logLevel);
  const timeouts = settings.timeouts ?? { headersMs: 10_000, requestMs: 30_000 };
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: settings.bodyLimit ?? 1_048_576,
      trustProxy: settings.trustProxy ?? false,
      // Node checks both timeouts every `connectionsCheckingInterval` (30 s by default, which
      // would let a slow client hold a socket that much longer than configured).
      http: {
        headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
        connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
      },
      requestTimeout: timeouts.requestMs,
      clientErrorHandler: answerClientError,
      frameworkErrors: answerFrameworkError,
      // Every response carries x-request-id (http-edges.ts): the caller's when it is a plain
      // token (it ends up in logs and as the events' correlation id), else a new uuid.
      requestIdHeader: false,
      genReqId: (request: { headers: IncomingMessage['headers'] }) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      },
    }),
    { logger, bufferLogs: false },
  );
  app.enableShutdownHooks();
  installResponseHeaders(app.getHttpAdapter().getInstance());
  installHttpTracing(app.getHttpAdapter().getInstance());
  await settings.configure?.(app);
  if (settings.tcp) {
    app.connectMicroservice({ strategy: new RpcServer({ host: settings.tcp.host, port: settings.tcp.port }) }, { inheritAppConfig: true });
    // Nest's microservice listens without running the start-up hooks: run them first, so that
    // no TCP caller (the gateway loading the workspace list) is answered before, for example,
    // auth has created the default workspace.
    await app.init();
    await app.startAllMicroservices();
  }
  await app.listen(settings.port, settings.host);
  logger.log({ msg: `${settings.app} listening`, url: `http://${settings.host}:${settings.port}`, tcp: settings.tcp ?? null }, 'Bootstrap');
  return app;
}

/**
 * Runs an app's start function. A failure to start prints one line with the (scrubbed) stack
 * and exits 1; an uncaught exception or unhandled rejection later is logged as a fatal JSON
 * line through the redacting logger, then exits 1 as Node would.
 */
export function launch(app: string, start: () => Promise<unknown>): void {
  const logger = new JsonLogger(app, 'error');
  const die = (what: string) => (error: unknown) => {
    logger.fatal({ msg: what, err: error }, 'Process');
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
  start().catch((error: unknown) => {
    process.stderr.write(`${app}: failed to start: ${scrub((error as Error).stack ?? String(error))}\n`);
    process.exit(1);
  });
}
