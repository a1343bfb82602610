import type { ReplyError } from '@idstream/contracts';

/**
 * The expected negative outcomes of profile decisions, as data. The domain names what went
 * wrong; `replyErrorOf` is the one place they become reply errors (codes the gateway maps to
 * HTTP), so no HTTP status lives in the decider.
 */
export type ProfileRefusal =
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  /** A wrong current password on a password change (the API answers 403, not 401). */
  | 'CURRENT_PASSWORD_WRONG'
  | 'ACCOUNT_NOT_ACTIVATED'
  | 'TOKEN_INVALID'
  | 'SESSION_CLOSED'
  | 'SESSION_EXPIRED'
  | 'PROFILE_NOT_FOUND'
  | 'NO_ACCOUNT';

export const ProfileErrors = {
  emailTaken: (): ReplyError => ({ code: 'EMAIL_TAKEN', message: 'An account with this email already exists' }),
  invalidCredentials: (status?: number): ReplyError => ({
    code: 'INVALID_CREDENTIALS',
    message: 'The email or password is not correct',
    ...(status ? { status } : {}),
  }),
  notActivated: (): ReplyError => ({
    code: 'ACCOUNT_NOT_ACTIVATED',
    message: 'The account is not activated yet: follow the link in the activation mail',
  }),
  tokenInvalid: (): ReplyError => ({ code: 'TOKEN_INVALID', message: 'The token is unknown, used or expired' }),
  sessionClosed: (): ReplyError => ({ code: 'TOKEN_REVOKED', message: 'The session of this token is closed' }),
  /** The HTTP contract (OpenAPI at /docs) names TOKEN_EXPIRED for a refresh that cannot be granted any more. */
  sessionExpired: (): ReplyError => ({ code: 'TOKEN_EXPIRED', message: 'The session reached its maximum lifetime: sign in again' }),
  profileNotFound: (): ReplyError => ({ code: 'PROFILE_NOT_FOUND', message: 'No such profile' }),
  tooManyAttempts: (retryAfter: number): ReplyError => ({
    code: 'TOO_MANY_ATTEMPTS',
    message: 'Too many failed attempts: try again later',
    retryAfter,
  }),
  noAccount: (): ReplyError => ({ code: 'UNAUTHORIZED', message: 'This token does not belong to an account' }),
  customIdTaken: (): ReplyError => ({ code: 'CUSTOM_ID_TAKEN', message: 'This customId belongs to another profile' }),
} as const;

/** A refusal of the decider as the reply error the caller gets. */
export function replyErrorOf(refusal: ProfileRefusal): ReplyError {
  switch (refusal) {
    case 'EMAIL_TAKEN':
      return ProfileErrors.emailTaken();
    case 'INVALID_CREDENTIALS':
      return ProfileErrors.invalidCredentials();
    case 'CURRENT_PASSWORD_WRONG':
      // The HTTP contract: a wrong current password is 403, the caller is signed in.
      return ProfileErrors.invalidCredentials(403);
    case 'ACCOUNT_NOT_ACTIVATED':
      return ProfileErrors.notActivated();
    case 'TOKEN_INVALID':
      return ProfileErrors.tokenInvalid();
    case 'SESSION_CLOSED':
      return ProfileErrors.sessionClosed();
    case 'SESSION_EXPIRED':
      return ProfileErrors.sessionExpired();
    case 'PROFILE_NOT_FOUND':
      return ProfileErrors.profileNotFound();
    case 'NO_ACCOUNT':
      return ProfileErrors.noAccount();
    default: {
      const never: never = refusal;
      return never;
    }
  }
}
