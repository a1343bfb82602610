import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { constantTimeEqual } from '@idstream/crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ProblemError } from '../http/problem';
import type { GatewayRequest } from '../http/request-context';
import { ACCESS, RATE_LIMITED, type Access } from './access';
import { bearerCredential } from './jwt-shape';
import { EdgeRateLimiter, apiKeyWorkspace } from './edge-rate-limiter.service';
import { ServerKeys } from './server-keys.service';
import { TokenVerifier } from './token-verifier.service';

/**
 * Applies what a route declares (access.decorators.ts): on a rate-limited route first the
 * address's ceiling, then its credential, then the bucket of the workspace the credential
 * names (edge-rate-limiter.service.ts); a refused credential still counts, in the bucket of
 * no workspace. A route of ours without a declaration is a wiring bug and is refused, never
 * served as public.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TokenVerifier) private readonly tokens: TokenVerifier,
    @Inject(ServerKeys) private readonly serverKeys: ServerKeys,
    @Inject(EdgeRateLimiter) private readonly limiter: EdgeRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const rule = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, targets);
    if (!rule) throw new Error(`route ${context.getClass().name}.${context.getHandler().name} declares no access rule`);
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (!this.reflector.getAllAndOverride<boolean | undefined>(RATE_LIMITED, targets)) return this.authenticate(rule, request);
    this.limiter.checkAddress(request.ip);
    let allowed: boolean;
    try {
      allowed = await this.authenticate(rule, request);
    } catch (error) {
      this.limiter.check(request.ip, null);
      throw error;
    }
    const body = request.body as { apiKey?: unknown } | undefined;
    this.limiter.check(
      request.ip,
      request.idstream?.caller?.workspaceId ?? (rule.kind === 'public' ? apiKeyWorkspace(body?.apiKey) : null),
    );
    return allowed;
  }

  private async authenticate(rule: Access, request: GatewayRequest): Promise<boolean> {
    const credential = bearerCredential(request.headers.authorization);
    switch (rule.kind) {
      case 'public':
        return true;
      case 'token': {
        if (credential === null) {
          if (rule.optional && request.headers.authorization === undefined) return true;
          throw new ProblemError('UNAUTHORIZED', 'This route takes Authorization: Bearer <access token>');
        }
        const { caller, issuedAt } = await this.tokens.verify(credential, rule);
        request.idstream = { caller, tokenIssuedAt: issuedAt };
        return true;
      }
      case 'server-key':
        request.idstream = { workspaceId: await this.serverKeys.authenticate(credential) };
        return true;
      case 'admin-key': {
        const adminKey = this.config.adminKey;
        if (adminKey === undefined) throw new ProblemError('ADMIN_DISABLED', 'Admin routes are disabled: IDSTREAM_ADMIN_KEY is not set');
        if (credential === null) throw new ProblemError('UNAUTHORIZED', 'Admin routes take Authorization: Bearer <admin key>');
        if (!constantTimeEqual(credential, adminKey)) throw new ProblemError('UNAUTHORIZED', 'The admin key is not valid');
        return true;
      }
    }
  }
}
