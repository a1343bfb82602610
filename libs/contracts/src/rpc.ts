/**
 * Commands and queries between the gateway and the internal services travel over Nest's TCP
 * transport (`@MessagePattern`). Replies carry errors as data, never as thrown exceptions:
 * the gateway maps each `code` to an HTTP status in one place.
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ReplyError };

export interface ReplyError {
  /** Stable SCREAMING_SNAKE code, e.g. EMAIL_TAKEN, PROFILE_NOT_FOUND. */
  code: string;
  message: string;
  /** Validation details, e.g. `[{ field, message }]`. */
  errors?: { field: string; message: string }[];
  /** Seconds a client should wait before retrying (429, 503). */
  retryAfter?: number;
  /** Overrides the code's default HTTP status (error-codes.ts) where the API contract says so. */
  status?: number;
  /** TOKEN_REVOKED: why the session was closed (a SessionCloseReason). */
  reason?: string;
  /** TERMS_ACCEPTANCE_REQUIRED: the agreement names still to accept. */
  conditions?: string[];
}

export const ok = <T>(value: T): Reply<T> => ({ ok: true, value });
export const fail = (code: string, message: string, extra: Omit<ReplyError, 'code' | 'message'> = {}): Reply<never> => ({
  ok: false,
  error: { code, message, ...extra },
});

/**
 * The read-your-writes position of a backend write: `<aggregateId>:<sequence>` of its last
 * event. Returned in the `x-idstream-position` header; a query that sends it back (same
 * header) waits until the projector applied that event.
 */
export const POSITION_HEADER = 'x-idstream-position';

export function formatPosition(aggregateId: string, sequence: number): string {
  return `${aggregateId}:${sequence}`;
}

export function parsePosition(value: string): { aggregateId: string; sequence: number } | null {
  const at = value.lastIndexOf(':');
  if (at <= 0) return null;
  const sequence = Number(value.slice(at + 1));
  if (!Number.isInteger(sequence) || sequence < 1) return null;
  return { aggregateId: value.slice(0, at), sequence };
}

/** Message patterns of `profile-projector`. */
export const ProjectorPatterns = {
  getProfile: 'profiles.get',
  findProfiles: 'profiles.find',
} as const;

export interface GetProfileQuery {
  workspaceId: string;
  profileId: string;
  /** A position from a write response: wait (bounded) until it is applied. */
  minPosition?: string;
}

export interface FindProfilesQuery {
  workspaceId: string;
  by: 'email' | 'customId' | 'uuid';
  value: string;
  minPosition?: string;
}
