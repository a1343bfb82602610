import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestTraceIds } from '@idstream/runtime';
import { toProblem } from './problem';

/**
 * The one place errors become HTTP: every exception, from our code or from Nest and Fastify
 * (unknown route, malformed JSON, body too large), is answered as application/problem+json.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, retryAfter, fault } = toProblem(exception);
    if (fault !== undefined) {
      this.logger.error({
        msg: 'request failed',
        requestId: request.id,
        // The gateway keeps no active span (tracing.ts): the request's own, when it is sampled.
        ...requestTraceIds(request),
        method: request.method,
        path: pathOf(request),
        err: describe(fault),
      });
    }
    if (reply.sent) return;
    const body = { ...problem, instance: pathOf(request), requestId: String(request.id) };
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    if (problem.status === 401) void reply.header('www-authenticate', 'Bearer realm="idstream"');
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
  }
}

/** The path without the query: queries may hold emails, which do not belong in error bodies or logs. */
function pathOf(request: FastifyRequest): string {
  const url = request.url ?? '';
  const at = url.indexOf('?');
  return (at < 0 ? url : url.slice(0, at)).slice(0, 512);
}

function describe(fault: unknown): Record<string, unknown> {
  if (fault instanceof Error) return { message: fault.message, stack: fault.stack };
  try {
    return { value: JSON.stringify(fault)?.slice(0, 2000) };
  } catch {
    return { value: String(fault) };
  }
}
