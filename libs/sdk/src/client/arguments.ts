import { invalidArgument } from '../errors';

/**
 * Argument checks, run before any request so that a bad call fails at once with a
 * `validation` error naming the argument. They check shape only: policies (password rules,
 * which fields an account takes) stay the server's.
 */
export function requireString(field: string, value: unknown, max = 1024): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(field, 'must be a non-empty string');
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value;
}

export function requireEmail(field: string, value: unknown): string {
  const email = requireString(field, value, 254);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidArgument(field, 'must be an email address');
  return email;
}

export function requirePin(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value)) throw invalidArgument(field, 'must be the 6-digit PIN from the mail');
  return value;
}

export function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(field, 'must be an object');
  return value as Record<string, unknown>;
}

export function optionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgument(field, 'must be a boolean');
  return value;
}

/** An ISO-8601 date-time with a zone, or a Date. */
export function requireTime(field: string, value: unknown): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString();
  if (typeof value === 'string' && /T.*(Z|[+-]\d{2}:\d{2})$/.test(value) && Number.isFinite(Date.parse(value))) return value;
  throw invalidArgument(field, 'must be a Date or an ISO-8601 date-time with a zone');
}
