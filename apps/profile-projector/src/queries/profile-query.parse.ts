import { parsePosition, type FindProfilesQuery, type ReplyError } from '@idstream/contracts';

/** A position to wait for before answering (`<aggregateId>:<sequence>`). */
export interface Position {
  aggregateId: string;
  sequence: number;
}

export type ParsedGet = { workspaceId: string; profileId: string; position: Position | null };
export type ParsedFind = { workspaceId: string; by: FindProfilesQuery['by']; value: string; position: Position | null };
export type QueryParse<T> = { ok: true; value: T } | { ok: false; error: ReplyError };

const MAX = 512;
const BY: readonly FindProfilesQuery['by'][] = ['email', 'customId', 'uuid'];

type Issue = { field: string; message: string };

function text(input: Record<string, unknown>, field: string, issues: Issue[]): string {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '') issues.push({ field, message: 'must be a non-empty string' });
  else if (value.length > MAX) issues.push({ field, message: `must be at most ${MAX} characters` });
  else return value;
  return '';
}

function position(input: Record<string, unknown>, issues: Issue[]): Position | null {
  const value = input.minPosition;
  if (value === undefined || value === null || value === '') return null;
  const parsed = typeof value === 'string' && value.length <= MAX ? parsePosition(value) : null;
  if (!parsed) issues.push({ field: 'minPosition', message: 'must be <aggregateId>:<sequence>' });
  return parsed;
}

function result<T>(issues: Issue[], value: T): QueryParse<T> {
  if (issues.length === 0) return { ok: true, value };
  return { ok: false, error: { code: 'BAD_QUERY', message: issues.map((i) => `${i.field} ${i.message}`).join('; '), errors: issues } };
}

const asRecord = (input: unknown): Record<string, unknown> =>
  input && typeof input === 'object' ? (input as Record<string, unknown>) : {};

/** Validates a `profiles.get` payload (it crossed a process boundary: trust nothing). */
export function parseGetProfile(input: unknown): QueryParse<ParsedGet> {
  const q = asRecord(input);
  const issues: Issue[] = [];
  const workspaceId = text(q, 'workspaceId', issues);
  const profileId = text(q, 'profileId', issues);
  return result(issues, { workspaceId, profileId, position: position(q, issues) });
}

/** Validates a `profiles.find` payload. */
export function parseFindProfiles(input: unknown): QueryParse<ParsedFind> {
  const q = asRecord(input);
  const issues: Issue[] = [];
  const workspaceId = text(q, 'workspaceId', issues);
  const by = q.by as FindProfilesQuery['by'];
  if (!BY.includes(by)) issues.push({ field: 'by', message: `must be one of ${BY.join(', ')}` });
  const value = text(q, 'value', issues);
  return result(issues, { workspaceId, by, value, position: position(q, issues) });
}
