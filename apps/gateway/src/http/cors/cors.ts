import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WorkspaceSettings } from '../../workspaces/workspace-settings.service';
import type { GatewayRequest } from '../request-context';
import { ALLOWED_METHODS, isSecretKeyRoute, preflightHeaders, responseHeaders, varyWithOrigin, workspaceOfRequest } from './cors.policy';
import { WorkspaceOrigins } from './workspace-origins';

/**
 * Adds CORS to the gateway's Fastify instance: preflights (OPTIONS) as a Fastify route, so
 * that every Fastify hook (request id, the edge's headers) runs for them as for any route,
 * and the headers of actual responses in an onSend hook, after the guard and the error filter
 * (a 401 is readable too). Registered once from main.ts, before the app listens.
 */
export function registerCors(app: NestFastifyApplication): void {
  // The view is loaded and refreshed by WorkspaceSettings (an admin write through this gateway refreshes it before its answer).
  const origins = new WorkspaceOrigins(app.get(WorkspaceSettings));
  const fastify = app.getHttpAdapter().getInstance();

  fastify.options('/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    const method = request.headers['access-control-request-method'];
    if (typeof origin !== 'string' || typeof method !== 'string') return reply.callNotFound();
    reply.header('vary', varyWithOrigin(reply.getHeader('vary')));
    const allowed =
      !isSecretKeyRoute(request.url) &&
      (ALLOWED_METHODS as readonly string[]).includes(method.toUpperCase()) &&
      (await origins.anyAllows(origin));
    if (allowed) reply.headers(preflightHeaders(origin));
    // Refused preflights get no CORS header: the browser then blocks the request itself.
    return reply.code(204).send();
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || request.method === 'OPTIONS' || isSecretKeyRoute(request.url)) return payload;
    reply.header('vary', varyWithOrigin(reply.getHeader('vary')));
    const authenticated = (request as GatewayRequest).idstream;
    const workspace = workspaceOfRequest({
      verifiedWorkspaceId: authenticated?.caller?.workspaceId ?? null,
      authorization: request.headers.authorization,
      body: request.body,
    });
    if (await origins.allows(workspace, origin)) reply.headers(responseHeaders(origin));
    return payload;
  });
}
