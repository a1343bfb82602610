import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { fail, ok, type Reply, type SignInCommand, type SignInResult } from '@idstream/contracts';
import { hashPassword, verifyPassword } from '../../metrics/password-hashing';
import { appendToClientStream } from '../../clients/client-stream';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { TokenIssuer } from '../../tokens/token-issuer';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { isAccount } from '../profile.state';

/**
 * POST /v1/auth/sign-in. An unknown email costs the same PBKDF2 work and gets the same
 * answer as a wrong password. Failures count per email and per client IP; past the limit
 * the answer is 429 before any hashing. A stored hash weaker than today's parameters is
 * re-hashed on success. The signing-in device is linked to the profile (SessionOpened).
 */
@Injectable()
export class SignInHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly workspaces: WorkspaceStore,
    private readonly limiter: AuthRateLimiter,
    private readonly tokens: TokenIssuer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: SignInCommand, now = new Date()): Promise<Reply<SignInResult>> {
    const workspaceId = cmd.caller.workspaceId;
    const workspace = await this.workspaces.byId(workspaceId);
    if (!workspace) return fail('UNAUTHORIZED', 'Unknown workspace');
    const { maxFailures, windowSeconds } = this.config.signIn;
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'sign-in',
      { workspaceId, email: cmd.email, ip: cmd.meta.ip },
      { max: maxFailures, windowSeconds },
      now,
    );
    if (!attempt.allowed) return fail('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins: try again later', { retryAfter: attempt.retryAfter });

    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const profileId = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, cmd.email);
    const state = profileId ? (await this.profiles.read(workspaceId, profileId)).state : null;
    const stored = state && isAccount(state) ? state.passwordHash : null;
    const check = await verifyPassword(cmd.password, stored);
    const deviceUuid = cmd.caller.role === 'anonymous' ? cmd.caller.uuid : null;

    if (!profileId) {
      if (deviceUuid) {
        const failed = { type: 'SignInFailed', data: { profileId: null, reason: 'invalid-credentials' } } as const;
        await this.profiles.transaction((manager) => appendToClientStream(manager, deviceUuid, failed, context));
      }
      return { ok: false, error: ProfileErrors.invalidCredentials() };
    }

    const sessionId = randomUUID();
    const sessionExpiresAt = new Date(now.getTime() + workspace.settings.sessionMaxLifetimeSeconds * 1000);
    const outcome = await this.profiles.execute(context, profileId, {
      type: 'SignIn',
      passwordValid: check.valid,
      verifiedHash: stored,
      rehashedPassword: check.valid && check.needsRehash ? await hashPassword(cmd.password) : null,
      sessionId,
      deviceUuid,
      sessionExpiresAt: sessionExpiresAt.toISOString(),
      requiredAgreements: workspace.settings.requiredAgreements ?? [],
      ...(cmd.agreements ? { agreements: cmd.agreements } : {}),
    });
    const { error } = outcome;
    // A failure keeps its attempt counted; a success (or not-activated: right password) takes it back.
    if (error?.code !== 'INVALID_CREDENTIALS') await attempt.release();
    if (error?.code === 'TERMS_ACCEPTANCE_REQUIRED') {
      // Only a caller who knows the password learns which agreements are missing.
      const accepted = isAccount(outcome.state) ? outcome.state.agreements : {};
      const missing = (workspace.settings.requiredAgreements ?? []).filter((name) => accepted[name] !== true);
      return { ok: false, error: ProfileErrors.termsAcceptanceRequired(missing) };
    }
    if (error) return { ok: false, error };
    const token = await this.tokens.issue({
      workspaceId,
      subject: profileId,
      uuid: deviceUuid ?? cmd.caller.uuid,
      role: 'customer',
      sessionId,
      ttlSeconds: workspace.settings.accessTokenTtlSeconds,
      algorithm: workspace.settings.tokenAlgorithm,
      notAfter: sessionExpiresAt,
      now,
    });
    return ok({ ...token, profileId });
  }
}
