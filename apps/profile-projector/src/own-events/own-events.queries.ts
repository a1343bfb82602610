import { checkOwnEventsQuery, fail, ok, type ListOwnEventsQuery, type OwnEventsPage, type Reply } from '@idstream/contracts';
import { decodeCursor, encodeCursor } from './own-events.cursor';
import type { OwnEventsStore, ReadSql } from './own-events.store';
import { retentionHorizon } from './partition-weeks';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `own-events.list`: validates the payload again, then reads one page newest first. Errors are data. */
export class OwnEventsQueries {
  constructor(
    private readonly sql: ReadSql,
    private readonly store: OwnEventsStore,
    private readonly retentionDays: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async list(input: unknown): Promise<Reply<OwnEventsPage>> {
    const q = (input && typeof input === 'object' ? input : {}) as Partial<ListOwnEventsQuery>;
    const now = this.clock();
    const checked = checkOwnEventsQuery({ from: q.from!, to: q.to, types: q.types, limit: q.limit, cursor: q.cursor }, now);
    const errors = checked.ok ? [] : [...checked.errors];
    for (const field of ['workspaceId', 'profileId', 'sessionId'] as const) {
      const value = q[field];
      if (typeof value !== 'string' || !ID.test(value)) errors.push({ field, message: `${field} must be an id` });
    }
    const after = checked.ok && checked.value.cursor !== null ? decodeCursor(checked.value.cursor) : null;
    if (checked.ok && checked.value.cursor !== null && after === null)
      errors.push({ field: 'cursor', message: 'cursor must be the nextCursor of an earlier page' });
    if (!checked.ok || errors.length > 0) {
      return fail('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
    }
    const { from, to, types, limit } = checked.value;
    // Rows past the retention may wait up to a week for their partition to be dropped: never served.
    const [closed, items] = await Promise.all([
      this.store.isSessionClosed(this.sql, q.workspaceId!, q.sessionId!),
      this.store.page(this.sql, {
        workspaceId: q.workspaceId!,
        profileId: q.profileId!,
        from: Math.max(from, retentionHorizon(now, this.retentionDays)),
        below: after !== null && after.occurredAt < to ? after : { occurredAt: to, envelopeId: '' },
        types,
        take: limit + 1,
      }),
    ]);
    if (closed) return fail('TOKEN_REVOKED', 'The session of this token was closed');
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return ok({
      items: page.map(({ cursor: _cursor, ...item }) => item),
      ...(items.length > limit && last ? { nextCursor: encodeCursor(last.cursor) } : {}),
    });
  }
}
