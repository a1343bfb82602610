import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inspectInput } from './input-inspection';
import { ProblemError } from './problem';

const ITEMISED_BODY = 'idstream:itemisedBody';

/**
 * Marks a route whose body is a batch of items checked one by one (`POST /v1/events`): the
 * route calls `inspectInput` on each item itself, so that one hostile event is rejected alone
 * instead of the whole batch. Its query and path parameters are still inspected here.
 */
export const ItemisedBody = (): MethodDecorator => RouteConfig({ [ITEMISED_BODY]: true });

function isItemised(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
  return config?.[ITEMISED_BODY] === true;
}

/** The first refusal of a request's parameters, query and body, or null. */
export function inspectRequest(request: FastifyRequest): ReturnType<typeof inspectInput> {
  return (
    inspectInput(request.params, 'path') ??
    inspectInput(request.query, 'query') ??
    (isItemised(request) ? null : inspectInput(request.body, ''))
  );
}

/**
 * The edge's one string and shape check (input-inspection.ts), as a Fastify `preValidation`
 * hook: it runs once per request, after the body is parsed and before any guard, pipe or
 * controller sees a value, on every route (400 VALIDATION_FAILED naming the field).
 */
@Injectable()
export class InputInspectionHook implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preValidation', (request, _reply, done) => {
      const finding = inspectRequest(request);
      if (finding === null) {
        done();
        return;
      }
      done(new ProblemError('VALIDATION_FAILED', finding.message, { errors: [finding] }));
    });
  }
}
