import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem';

/** `application/json` and `application/<anything>+json`, parameters (charset) ignored. */
export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

export function hasBody(headers: FastifyRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON in (ARCHITECTURE §8): Fastify itself refuses content types it has no parser for; this
 * refuses the ones Nest registers besides JSON (form bodies), before any other guard runs.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { headers } = context.switchToHttp().getRequest<FastifyRequest>();
    if (!hasBody(headers)) return true;
    const contentType = headers['content-type'];
    if (contentType === undefined || !isJsonMediaType(contentType)) {
      throw new ProblemError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json');
    }
    return true;
  }
}
