/** What went wrong, as Synerise's ApiError types it (plus `validation` for argument checks). */
export type IdstreamErrorKind = 'network' | 'http' | 'unauthorized-session' | 'validation';

/** An RFC 9457 problem body as the gateway sends it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  /** For validation problems: which field, and why. */
  errors?: { field: string; message: string }[];
  /** For TOKEN_REVOKED: why the session was closed (API.md). */
  reason?: string;
  /** For TERMS_ACCEPTANCE_REQUIRED: the names of the agreements still to accept. */
  conditions?: string[];
  [field: string]: unknown;
}

/**
 * The one error type every SDK call rejects with. `kind` says what to do about it: `network`
 * (retry later), `http` (the server refused; `status`, `code` and `problem` say why),
 * `unauthorized-session` (signed out: the SDK has already fallen back to an anonymous token),
 * `validation` (a bad argument, thrown before any request).
 */
export class IdstreamError extends Error {
  override readonly name = 'IdstreamError';
  readonly kind: IdstreamErrorKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly problem: Problem | null;
  /** The Retry-After header of a 429 or 503, as sent. */
  readonly retryAfter: string | null;

  constructor(
    kind: IdstreamErrorKind,
    message: string,
    details: { status?: number; code?: string; problem?: Problem; retryAfter?: string | null; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.status = details.status ?? null;
    this.code = details.code ?? null;
    this.problem = details.problem ?? null;
    this.retryAfter = details.retryAfter ?? null;
  }
}

/** A bad argument: thrown synchronously by the checks, before any request is made. */
export function invalidArgument(field: string, message: string): IdstreamError {
  return new IdstreamError('validation', `${field} ${message}`, {
    code: 'INVALID_ARGUMENT',
    problem: { code: 'INVALID_ARGUMENT', errors: [{ field, message }] },
  });
}

/** A call that needs a signed-in customer, made while signed out. */
export function notSignedIn(): IdstreamError {
  return new IdstreamError('unauthorized-session', 'This call needs a signed-in customer', { code: 'NOT_SIGNED_IN' });
}
