import { Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import type { Reply } from '@idstream/contracts';
import { gatewayMetrics } from '../http/http-metrics';
import { ProblemError } from '../http/problem';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * How a failed call failed: `unavailable` (timed out, or the service cannot be reached — a
 * 503 the client may retry) or `internal` (the service answered with a thrown exception or
 * something that is not a Reply: a bug, a 500).
 */
export function classifyRpcFailure(error: unknown): 'unavailable' | 'internal' {
  if (error instanceof TimeoutError) return 'unavailable';
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return 'unavailable';
    if (error.message === 'Connection closed') return 'unavailable';
  }
  return 'internal';
}

function isReply(value: unknown): value is Reply<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (reply.ok === true) return 'value' in reply;
  return reply.ok === false && typeof reply.error?.code === 'string' && typeof reply.error.message === 'string';
}

/**
 * One internal service behind Nest's TCP transport (ARCHITECTURE §1a). `call` answers the
 * reply's value, or throws a ProblemError: the service's own error (its code), 503
 * SERVICE_UNAVAILABLE with Retry-After when it is down or slower than the timeout (never a
 * hang), 500 when it broke its contract.
 */
export class ServiceClient {
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly proxy: ClientProxy,
    private readonly timeoutMs: number,
  ) {
    this.logger = new Logger(`ServiceClient:${name}`);
  }

  async call<T>(pattern: string, payload: unknown): Promise<T> {
    let reply: unknown;
    try {
      reply = await firstValueFrom(this.proxy.send<unknown>(pattern, payload).pipe(timeout({ first: this.timeoutMs })));
    } catch (error) {
      if (classifyRpcFailure(error) === 'unavailable') {
        if (error instanceof TimeoutError) gatewayMetrics.rpcTimeouts.inc({ service: this.name });
        this.logger.warn({ msg: `${this.name} unavailable`, pattern, reason: error instanceof Error ? error.message : String(error) });
        throw new ProblemError('SERVICE_UNAVAILABLE', `The ${this.name} service is unavailable; retry shortly`, { retryAfter: 1 });
      }
      throw new ProblemError('INTERNAL', `${this.name} failed on ${pattern}: ${describe(error)}`);
    }
    if (!isReply(reply)) throw new ProblemError('INTERNAL', `${this.name} answered ${pattern} with something that is not a Reply`);
    if (!reply.ok) throw ProblemError.fromReply(reply.error);
    return reply.value as T;
  }

  close(): Promise<void> {
    return Promise.resolve(this.proxy.close());
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error).slice(0, 500);
  } catch {
    return String(error);
  }
}
