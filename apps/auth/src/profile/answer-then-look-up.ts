import { fail, ok, type Reply } from '@idstream/contracts';
import { AfterAnswer } from '../concurrency/after-answer';
import { EmailIndex, emailKey } from '../indexes/email-index';
import type { AuthRateLimiter } from '../rate-limit/rate-limiter';
import type { ProfileCommand } from './profile.commands';
import type { ProfileCommands } from './profile.commands.runner';

/** A request that names an account by its email alone (a resend, a reset). */
export interface ByEmailRequest {
  workspaceId: string;
  email: string;
  meta: { requestId: string; ip: string };
}

/** The rate limit of such a request, per canonical email and per client IP, in requests an hour. */
export interface MailRateLimit {
  action: string;
  maxPerHour: number;
  /** The message of the RATE_LIMITED answer. */
  refusal: string;
}

/**
 * The requests that mail an account found by its email (confirmation resend, activation PIN,
 * password reset) answer the same, in content and time, whether or not the email has an account
 * (no account enumeration): the answer waits for the rate limit alone; the lookup by canonical
 * email and the command run after it (an address without a canonical form matches no account).
 */
export class AnswerThenLookUp {
  private readonly afterAnswer: AfterAnswer;

  /** `context`: the logger's; `what`: the work a failure log names ("confirmation mail"). */
  constructor(
    context: string,
    private readonly what: string,
    private readonly profiles: ProfileCommands,
    private readonly limiter: AuthRateLimiter,
  ) {
    this.afterAnswer = new AfterAnswer(context);
  }

  /** `command` undefined: the same answer, and nothing runs after it. */
  async handle(
    request: ByEmailRequest,
    limit: MailRateLimit,
    command: ProfileCommand | undefined,
    now: Date,
  ): Promise<Reply<Record<string, never>>> {
    const { workspaceId, email, meta } = request;
    // The canonical form keys the rate limit and the lookup.
    const attempt = await this.limiter.attemptPerEmailAndIp(
      limit.action,
      { workspaceId, email: emailKey(email) ?? email, ip: meta.ip },
      { max: limit.maxPerHour, windowSeconds: 3600 },
      now,
    );
    if (!attempt.allowed) return fail('RATE_LIMITED', limit.refusal, { retryAfter: attempt.retryAfter });
    if (command === undefined) return ok({});
    this.afterAnswer.runLater(this.what, meta.requestId, async () => {
      const profileId = await EmailIndex.profileIdOf(this.profiles.manager, workspaceId, email);
      if (!profileId) return;
      await this.profiles.execute({ workspaceId, correlationId: meta.requestId, now }, profileId, command);
    });
    return ok({});
  }
}
