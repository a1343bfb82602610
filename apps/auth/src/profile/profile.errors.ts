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
  emailConfusable: (): ReplyError => ({
    code: 'EMAIL_CONFUSABLE',
    message: 'This email could pass for another address (mixed scripts or look-alike letters): use the address as your provider spells it',
    errors: [{ field: 'email', message: 'email must not mix scripts or imitate another address' }],
  }),
  emailNotConfirmed: (): ReplyError => ({
    code: 'EMAIL_NOT_CONFIRMED',
    message: 'An account holds this email but has not confirmed it: imported data and devices matched by email attach to it once it does',
  }),
  invalidEmail: (message: string): ReplyError => ({
    code: 'VALIDATION_FAILED',
    message: `email ${message}`,
    errors: [{ field: 'email', message: `email ${message}` }],
  }),
  noAccount: (): ReplyError => ({ code: 'UNAUTHORIZED', message: 'This token does not belong to an account' }),
} as const;
