import { Logger } from '@nestjs/common';
import type { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { EmptyError, TimeoutError } from 'rxjs';
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
 * What `call` uses of Nest's ClientTCP: the members its observable `send` is made of (the last
 * two are protected in Nest's types). `send` wraps them in `defer`, `mergeMap` and an
 * `Observable`, and `call` added `timeout` and `firstValueFrom`: about a tenth of the gateway's
 * own work on `GET /v1/account` (docs/benchmarks.md). The packet, its id, the routing of the
 * reply and the reconnection are still Nest's.
 */
interface Publisher {
  connect(): Promise<unknown>;
  createPacket(pattern: string, data: unknown): ReadPacket;
  publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void;
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
      reply = await this.request(pattern, payload);
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

  /**
   * What `firstValueFrom(proxy.send(pattern, payload).pipe(timeout({ first })))` answered, with
   * the same outcomes: the first value of the reply; its error; TimeoutError when no value came
   * within the timeout (connecting included), the reply's routing then dropped; EmptyError for a
   * reply disposed of without a value.
   */
  private request(pattern: string, payload: unknown): Promise<unknown> {
    const client = this.proxy as unknown as Publisher;
    // `send` refuses these before connecting (InvalidMessageException): a bug, a 500.
    if (payload === null || payload === undefined) return Promise.reject(new Error('The message to send is null or undefined'));
    return new Promise((resolve, reject) => {
      let settled = false;
      let cleanup = () => {};
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cleanup();
        outcome();
      };
      const timer = setTimeout(() => settle(() => reject(new TimeoutError())), this.timeoutMs);
      client.connect().then(
        () => {
          if (settled) return;
          const unpublish = client.publish(client.createPacket(pattern, payload), ({ err, response, isDisposed }) => {
            // As Nest's observer: a packet that is not the disposal alone is a value, even empty.
            // The error is passed on as Nest gives it (a string from a peer, too): classifyRpcFailure reads it.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            if (err) settle(() => reject(err));
            else if (response !== undefined || !isDisposed) settle(() => resolve(response));
            else settle(() => reject(new EmptyError()));
          });
          if (settled) unpublish();
          else cleanup = unpublish;
        },
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- connect's own error, as send() passed it on
        (error: unknown) => settle(() => reject(error)),
      );
    });
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
