import { HttpException } from '@nestjs/common';
import { ErrorCodes, type ReplyError } from '@idstream/contracts';

/** A validation message for one field (`passwordPolicy.minLength`, `email`). */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, with our stable `code` and, for validation, `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  /** TOKEN_REVOKED: why the session was closed (API.md's list of reasons). */
  reason?: string;
  /** TERMS_ACCEPTANCE_REQUIRED: the agreements still to accept. */
  conditions?: string[];
}

export type ProblemExtra = Omit<ReplyError, 'code' | 'message'>;

/**
 * What everything below a controller throws instead of an HttpException (errors as data, mapped to HTTP in one place: docs/architecture.md §1a):
 * a stable code and a message, mapped to a status by the one table in @idstream/contracts.
 */
export class ProblemError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: ProblemExtra = {},
  ) {
    super(message);
    this.name = 'ProblemError';
  }

  static fromReply(error: ReplyError): ProblemError {
    const { code, message, ...extra } = error;
    return new ProblemError(code, message, extra);
  }
}

/** A problem ready to send: the body, plus what goes into headers, plus whether to log it as a fault. */
export interface MappedProblem {
  problem: Problem;
  retryAfter?: number;
  /** Set for 5xx caused by a bug (not for 503 unavailability): the caller logs it. */
  fault?: unknown;
}

const KNOWN = ErrorCodes as Record<string, number>;

export function statusOf(code: string, override?: number): number {
  if (override !== undefined && Number.isInteger(override) && override >= 400 && override <= 599) return override;
  return KNOWN[code] ?? 500;
}

/** `EMAIL_TAKEN` → "Email taken": one title per problem type, as RFC 9457 asks. */
export function titleOf(code: string): string {
  const words = code.toLowerCase().split('_').filter(Boolean).join(' ');
  return words.length === 0 ? 'Error' : words[0]!.toUpperCase() + words.slice(1);
}

export function problemOf(code: string, detail: string, extra: ProblemExtra = {}): MappedProblem {
  const status = statusOf(code, extra.status);
  const problem: Problem = {
    type: `urn:idstream:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: titleOf(code),
    status,
    code,
    detail,
  };
  if (extra.errors && extra.errors.length > 0) problem.errors = extra.errors.map(({ field, message }) => ({ field, message }));
  if (typeof extra.reason === 'string') problem.reason = extra.reason;
  if (Array.isArray(extra.conditions)) problem.conditions = extra.conditions.filter((c) => typeof c === 'string');
  const mapped: MappedProblem = { problem };
  if (extra.retryAfter !== undefined && Number.isFinite(extra.retryAfter) && extra.retryAfter >= 0)
    mapped.retryAfter = Math.ceil(extra.retryAfter);
  return mapped;
}

/** Status code → our code, for errors raised by Nest or Fastify before our code runs. */
const FRAMEWORK_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the limit',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its content-length',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The request body must be application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty but its content type says JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
};

function frameworkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps anything thrown while handling a request to a problem. Our ProblemError keeps its code;
 * a 4xx from Nest or Fastify (unknown route, malformed JSON, body too large, unsupported media
 * type) gets the code of its status; anything else is a 500 that shows no internals.
 */
export function toProblem(exception: unknown): MappedProblem {
  if (exception instanceof ProblemError) {
    const mapped = problemOf(exception.code, exception.message, exception.extra);
    if (mapped.problem.status === 500) {
      // A 500 is a bug: its message is for the log, never for the client.
      mapped.problem.detail = 'Internal server error';
      mapped.fault = exception;
    }
    return mapped;
  }
  let status: number | undefined;
  let cause: unknown = exception;
  let message: string | undefined;
  if (exception instanceof HttpException) {
    status = exception.getStatus();
    cause = exception.cause ?? exception;
    message = exception.message;
  } else if (exception instanceof Error) {
    // Fastify's JSON parser fails with a SyntaxError that carries statusCode 400.
    const code = (exception as { statusCode?: unknown }).statusCode;
    if (typeof code === 'number') status = code;
    message = exception.message;
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const fastifyCode = frameworkCode(cause);
    const code = FRAMEWORK_CODES[status] ?? 'VALIDATION_FAILED';
    let detail = (fastifyCode && FRAMEWORK_DETAILS[fastifyCode]) ?? message ?? titleOf(code);
    if (cause instanceof SyntaxError) detail = FRAMEWORK_DETAILS.FST_ERR_CTP_INVALID_JSON_BODY!;
    if (status === 404 && !fastifyCode) detail = 'No route matches this method and path';
    return problemOf(code, detail, { status });
  }
  return { ...problemOf('INTERNAL', 'Internal server error'), fault: exception };
}
