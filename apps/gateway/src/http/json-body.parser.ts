import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/**
 * Fastify answers 400 to `content-type: application/json` with an empty body, which is what
 * many HTTP clients send on a body-less POST (refresh, sign-out). The JSON parser is replaced
 * by one that reads an empty body as no body and otherwise is Fastify's own (same limits, same
 * prototype-poisoning refusal). Installed while the app initialises, before it listens.
 */
@Injectable()
export class LenientJsonParser implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const json = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: fastify.initialConfig.bodyLimit },
      (request, body, done) => {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        if (text.trim() === '') {
          done(null, undefined);
          return;
        }
        // Fastify's parser completes through `done`; it returns nothing worth awaiting.
        void json(request, text, done);
      },
    );
  }
}
