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
  /** The workspace requires agreements the profile has not accepted. */
  | 'TERMS_ACCEPTANCE_REQUIRED'
  | 'TOKEN_INVALID'
  | 'PIN_INVALID'
  | 'SESSION_CLOSED'
  | 'SESSION_EXPIRED'
  | 'PROFILE_NOT_FOUND'
  /** An import or an email match onto an account that has not confirmed its email. */
  | 'EMAIL_NOT_CONFIRMED'
  | 'NO_ACCOUNT'
  /** A change-password on a profile that signs in only through an external provider. */
  | 'PASSWORD_NOT_SET'
  /** An external sign-in whose identity or email link the profile's state no longer allows. */
  | 'EXTERNAL_LINK_REFUSED';

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
  termsAcceptanceRequired: (conditions: string[] = []): ReplyError => ({
    code: 'TERMS_ACCEPTANCE_REQUIRED',
    message: 'Accept the required agreements (sign in with them in `agreements`)',
    conditions,
  }),
  tokenInvalid: (): ReplyError => ({ code: 'TOKEN_INVALID', message: 'The token is unknown, used or expired' }),
  /** One answer for every kind of wrong PIN: wrong, used, expired, spent, other device, unknown email. */
  pinInvalid: (): ReplyError => ({ code: 'PIN_INVALID', message: 'The PIN is not valid for this email and device' }),
  sessionClosed: (): ReplyError => ({ code: 'TOKEN_REVOKED', message: 'The session of this token is closed' }),
  /** The HTTP contract (OpenAPI at /docs) names TOKEN_EXPIRED for a refresh that cannot be granted any more. */
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
  /** Five optimistic retries lost to writers of the same profile in other replicas: the same request may be retried. */
  concurrentWrite: (): ReplyError => ({
    code: 'CONCURRENT_WRITE',
    message: 'The profile was changed concurrently by other requests: retry shortly',
    retryAfter: 1,
  }),
  passwordNotSet: (): ReplyError => ({
    code: 'PASSWORD_NOT_SET',
    message: 'This account signs in through an identity provider and has no password to change',
  }),
  externalTokenInvalid: (): ReplyError => ({ code: 'EXTERNAL_TOKEN_INVALID', message: 'The identity provider token is not valid' }),
  providerUnavailable: (): ReplyError => ({
    code: 'PROVIDER_UNAVAILABLE',
    message: 'The identity provider did not answer: try again later',
    retryAfter: 5,
  }),
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
    case 'TERMS_ACCEPTANCE_REQUIRED':
      return ProfileErrors.termsAcceptanceRequired();
    case 'TOKEN_INVALID':
      return ProfileErrors.tokenInvalid();
    case 'PIN_INVALID':
      return ProfileErrors.pinInvalid();
    case 'SESSION_CLOSED':
      return ProfileErrors.sessionClosed();
    case 'SESSION_EXPIRED':
      return ProfileErrors.sessionExpired();
    case 'PROFILE_NOT_FOUND':
      return ProfileErrors.profileNotFound();
    case 'EMAIL_NOT_CONFIRMED':
      return ProfileErrors.emailNotConfirmed();
    case 'NO_ACCOUNT':
      return ProfileErrors.noAccount();
    case 'PASSWORD_NOT_SET':
      return ProfileErrors.passwordNotSet();
    case 'EXTERNAL_LINK_REFUSED':
      // The same answer as a bad token: the caller learns nothing about which accounts exist.
      return ProfileErrors.externalTokenInvalid();
    default: {
      const never: never = refusal;
      return never;
    }
  }
}
