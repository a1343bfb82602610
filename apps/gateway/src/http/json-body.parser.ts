import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/**
 * Fastify answers 400 to `content-type: application/json` with an empty body, which is what
 * many HTTP clients send on a body-less POST (refresh, sign-out). The JSON parser is replaced
 * by one that reads an empty body as no body and otherwise is `JSON.parse` under Fastify's body
 * limit. Installed while the app initialises, before it listens.
 *
 * Prototype poisoning: `JSON.parse` defines every key as an own property (a `__proto__` key
 * sets no prototype), and the edge's inspection hook, the next thing that sees the body,
 * refuses `__proto__`, `constructor`, `prototype` and every other Object.prototype name at any
 * depth with the same 400 as any unknown field, naming it. Fastify's own parser refused some of
 * them as "not valid JSON", without the field, and let `constructor` or `toString` through.
 */
@Injectable()
export class LenientJsonParser implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: fastify.initialConfig.bodyLimit },
      (_request, body, done) => {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        if (text.trim() === '') {
          done(null, undefined);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          // A SyntaxError, or a RangeError for nesting past the parser's stack: the same 400.
          done(Object.assign(new SyntaxError('The request body is not valid JSON'), { statusCode: 400 }), undefined);
          return;
        }
        done(null, parsed);
      },
    );
  }
}
