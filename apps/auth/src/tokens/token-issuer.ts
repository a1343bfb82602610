import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IssuedToken } from '@idstream/contracts';
import { scopeForRole, signAccessToken, type Role, type TokenAlgorithm } from '@idstream/crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { SigningKeys } from '../keys/signing-keys';

export interface TokenRequest {
  workspaceId: string;
  subject: string;
  uuid: string;
  role: Role;
  sessionId: string;
  ttlSeconds: number;
  /** The workspace's `tokenAlgorithm` setting. */
  algorithm: TokenAlgorithm;
  /** The token never outlives its session. */
  notAfter?: Date;
  now: Date;
}

/** Issues access tokens (JWT signed with the workspace's algorithm) with the scope of their role. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async issue(request: TokenRequest): Promise<IssuedToken> {
    const iat = Math.floor(request.now.getTime() / 1000);
    let exp = iat + request.ttlSeconds;
    if (request.notAfter) exp = Math.min(exp, Math.floor(request.notAfter.getTime() / 1000));
    const token = await signAccessToken(await this.keys.signingKey(request.algorithm), {
      iss: this.config.tokenIssuer,
      aud: request.workspaceId,
      sub: request.subject,
      uuid: request.uuid,
      role: request.role,
      scope: scopeForRole(request.role),
      sid: request.sessionId,
      jti: randomUUID(),
      iat,
      exp,
    });
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
