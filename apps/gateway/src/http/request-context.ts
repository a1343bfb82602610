import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Caller, RequestMeta } from '@idstream/contracts';
import { requestTraceparent } from '@idstream/runtime';

/** What the access guard attaches to a request once it has authenticated it. */
export interface Authenticated {
  caller?: Caller;
  /** The token's issued-at (epoch seconds), for revocations the gateway records itself. */
  tokenIssuedAt?: number;
  workspaceId?: string;
}

export type GatewayRequest = FastifyRequest & { idstream?: Authenticated };

export function requestMeta(request: FastifyRequest): RequestMeta {
  // Sampled or not: auth keeps the gateway's decision (tracing.ts samples only new traces).
  const traceparent = requestTraceparent(request);
  return traceparent ? { requestId: String(request.id), ip: request.ip, traceparent } : { requestId: String(request.id), ip: request.ip };
}

const requestOf = (context: ExecutionContext): GatewayRequest => context.switchToHttp().getRequest<GatewayRequest>();

/** `RequestMeta` of the current request (request id, client IP). */
export const Meta = createParamDecorator((_data: unknown, context: ExecutionContext): RequestMeta => requestMeta(requestOf(context)));

/** The verified caller of a token route; throws when the route's guard did not set one (a wiring bug). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = requestOf(context).idstream?.caller;
  if (!caller) throw new Error('CurrentCaller used on a route without a required token');
  return caller;
});

/** The verified caller when the route takes an optional token, else null. */
export const OptionalCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller | null => requestOf(context).idstream?.caller ?? null,
);

/** The workspace a server key belongs to, on backend routes. */
export const Workspace = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const workspaceId = requestOf(context).idstream?.workspaceId;
  if (!workspaceId) throw new Error('Workspace used on a route without a server key');
  return workspaceId;
});
