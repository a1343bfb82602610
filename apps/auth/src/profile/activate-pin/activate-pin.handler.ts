import { Inject, Injectable } from '@nestjs/common';
import { ok, type ActivatePinCommand, type Reply } from '@idstream/contracts';
import { ActivationPins } from '../../activation-pins/activation-pins';
import { AUTH_CONFIG, type AuthConfig } from '../../config/auth.config';
import { EmailIndex, emailKey } from '../../indexes/email-index';
import { AuthRateLimiter } from '../../rate-limit/rate-limiter';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { Refused } from '../refused';

/**
 * POST /v1/accounts/activate-pin (confirmAccountActivationByPin): the mailed PIN, from the
 * device it was mailed for, activates the pending account (EmailConfirmed, activated). The
 * attempt counts in the rate limit before anything is looked up; every kind of wrong answers
 * the same PIN_INVALID (the PIN's tries count in its row, committed even when refused).
 */
@Injectable()
export class ActivatePinHandler {
  constructor(
    private readonly profiles: ProfileCommands,
    private readonly limiter: AuthRateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(cmd: ActivatePinCommand, now = new Date()): Promise<Reply<Record<string, never>>> {
    const workspaceId = cmd.caller.workspaceId;
    const attempt = await this.limiter.attemptPerEmailAndIp(
      'pin',
      { workspaceId, email: emailKey(cmd.email) ?? cmd.email, ip: cmd.meta.ip },
      { max: this.config.signIn.maxFailures, windowSeconds: this.config.signIn.windowSeconds },
      now,
    );
    if (!attempt.allowed) return { ok: false, error: ProfileErrors.tooManyAttempts(attempt.retryAfter) };
    if (cmd.caller.role !== 'anonymous') return { ok: false, error: ProfileErrors.pinInvalid() };
    const outcome = await this.profiles.transaction(async (manager) => {
      const profileId = (await EmailIndex.profileIdOf(manager, workspaceId, cmd.email)) ?? '00000000-0000-0000-0000-000000000000';
      const check = await ActivationPins.check(manager, { workspaceId, profileId, deviceUuid: cmd.caller.uuid, pin: cmd.pin, now });
      // A wrong PIN is an answer, not a rollback: its counted try must stay committed.
      if (check === 'invalid') return 'invalid' as const;
      const context = { workspaceId, correlationId: cmd.meta.requestId, now };
      const result = await this.profiles.executeIn(manager, context, profileId, { type: 'ActivateWithPin' });
      if (result.error) throw new Refused(result.error);
      return 'activated' as const;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    if (outcome === 'invalid') return { ok: false, error: ProfileErrors.pinInvalid() };
    // The right PIN is no failure: its attempt is taken back.
    await attempt.release();
    return ok({});
  }
}
