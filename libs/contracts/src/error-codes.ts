/**
 * Every stable error code of the public API with its default HTTP status: the one table the
 * gateway's problem+json filter maps from. Codes are public once published: never renamed.
 * A reply may override the status where the API contract says so (e.g. a wrong current
 * password on password change is 403 INVALID_CREDENTIALS).
 */
export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  PASSWORD_POLICY: 400,
  EMAIL_IMMUTABLE: 400,
  /** A confirmation, activation or reset token that is unknown, used or expired. */
  TOKEN_INVALID: 400,
  BAD_QUERY: 400,
  /** An activation PIN that is wrong, used, expired, spent by its tries, for another device or an unknown email: one answer for all. */
  PIN_INVALID: 400,
  /** A registration whose email's local part could pass for another address (workspace setting `emailConfusables: refuse`). */
  EMAIL_CONFUSABLE: 400,
  /** `POST /v1/auth/external` names a provider the workspace does not configure. */
  UNKNOWN_PROVIDER: 400,
  /** A linked profile without a password asked to change it. */
  PASSWORD_NOT_SET: 409,
  UNAUTHORIZED: 401,
  /** An external ID token whose signature, issuer, audience, time, algorithm or nonce does not verify. */
  EXTERNAL_TOKEN_INVALID: 401,
  INVALID_API_KEY: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  ACCOUNT_NOT_ACTIVATED: 403,
  TERMS_ACCEPTANCE_REQUIRED: 403,
  ADMIN_DISABLED: 403,
  NOT_FOUND: 404,
  PROFILE_NOT_FOUND: 404,
  WORKSPACE_NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  CUSTOM_ID_TAKEN: 409,
  /** An import (or a recognize by email) whose email belongs to an account that has not confirmed it: nothing is attached. */
  EMAIL_NOT_CONFIRMED: 409,
  /** The HTTP parser refused the request (not HTTP), before any route ran. */
  MALFORMED_REQUEST: 400,
  /** Headers or body arrived slower than GATEWAY_HEADERS_TIMEOUT_MS / GATEWAY_RECEIVE_TIMEOUT_MS. */
  REQUEST_TIMEOUT: 408,
  BODY_TOO_LARGE: 413,
  /** A path parameter over the router's length limit. */
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_ATTEMPTS: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  /** An identity provider's discovery document or keys did not answer in time. */
  PROVIDER_UNAVAILABLE: 503,
  CONSISTENCY_TIMEOUT: 503,
  OVERLOADED: 503,
  /** A command that lost the race for its profile's stream to other writers on every retry: retry after Retry-After. */
  CONCURRENT_WRITE: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;
