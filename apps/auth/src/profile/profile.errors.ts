import type { ReplyError } from '@idstream/contracts';

/** The expected negative outcomes of profile commands, as data (mapped to HTTP by the gateway). */
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
  /** API.md names TOKEN_EXPIRED for a refresh that cannot be granted any more. */
  sessionExpired: (): ReplyError => ({ code: 'TOKEN_EXPIRED', message: 'The session reached its maximum lifetime: sign in again' }),
  profileNotFound: (): ReplyError => ({ code: 'PROFILE_NOT_FOUND', message: 'No such profile' }),
  tooManyAttempts: (retryAfter: number): ReplyError => ({
    code: 'TOO_MANY_ATTEMPTS',
    message: 'Too many failed attempts: try again later',
    retryAfter,
  }),
  noAccount: (): ReplyError => ({ code: 'UNAUTHORIZED', message: 'This token does not belong to an account' }),
} as const;
