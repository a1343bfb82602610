import type { OwnEventItem } from '@idstream/contracts';
import type { OwnEventsCursor } from './own-events.cursor';
import type { Sql } from '../projection/profile.store';
import type { OwnEventRow } from './tracking-event.parse';

export interface PageQuery {
  workspaceId: string;
  profileId: string;
  /** Epoch ms, inclusive (already raised to the retention horizon). */
  from: number;
  /**
   * The exclusive upper position: the cursor, or `to` with an empty id (nothing sorts below
   * that at the same instant). One bound for both, so that it prunes partitions and starts the
   * index scan at the cursor even in a generic plan: a deep page reads a page, not what is above it.
   */
  below: OwnEventsCursor;
  types: string[] | null;
  /** Rows to read: the page's limit plus one, to know whether another page follows. */
  take: number;
}

export type StoredItem = OwnEventItem & { cursor: OwnEventsCursor };

/**
 * Where the queries run: a pg Pool whose connections plan each named statement once (generic
 * plans, pruned at execution). Planning the page query anew on every call (an unnamed
 * statement, or TypeORM's query) cost 2-7 ms of its 3-8 ms, measured on a loaded 2-core machine;
 * prepared, the query answers in 1-2 ms. A partition created or dropped invalidates the plans.
 */
export interface ReadSql {
  query(statement: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * The SQL of a customer's own events (schema `own_events` by default), next to the profile read
 * model of the same process (schema `profiles`), which it reads for who a device's anonymous
 * history belongs to and who is erased.
 *
 * Attribution. A row keeps the profile the ingester resolved when the event was received, or
 * null when the device was anonymous then. A profile's events are its own rows plus the
 * anonymous rows of every device whose anonymous profile was folded into it
 * (`profiles.profile_merges`: the FIRST customer a device linked to, set once). Resolved at
 * query time, never re-keyed: so the anonymous history a device had before sign-in appears as
 * soon as the link is projected, whichever of tracking.events and identity.events is read first,
 * and a later recognition of the device to ANOTHER profile moves only later events (the ingester
 * resolves those to the new profile) — the previous customer keeps the history that was its own,
 * and never shows the other one's (docs/architecture.md §6: devices move, profiles never merge).
 * Re-keying rows on a link would have to undo itself on every move and could not tell which
 * rows a move should take.
 */
export class OwnEventsStore {
  private readonly s: string;
  private readonly p: string;

  constructor(
    readonly schema: string,
    profilesSchema: string,
  ) {
    for (const name of [schema, profilesSchema]) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad schema name ${name}`);
    this.s = `"${schema}"`;
    this.p = `"${profilesSchema}"`;
  }

  /**
   * Stores one accepted event unless it is there already (the ingester's key) or belongs to an
   * erased profile: its own profile erased, or — anonymous — its device folded into a profile
   * erased after the event was received. An erasure read before the event must not be undone
   * by the event arriving late.
   */
  async insert(sql: Sql, row: OwnEventRow): Promise<boolean> {
    const inserted = (await sql.query(
      `INSERT INTO ${this.s}.events (workspace_id, device_uuid, event_id, occurred_at, profile_id, envelope_id, event_type, label, params, received_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10
        WHERE NOT EXISTS (SELECT 1 FROM ${this.p}.profiles p WHERE p.workspace_id = $1 AND p.profile_id = $5 AND p.status = 'erased')
          AND NOT EXISTS (SELECT 1 FROM ${this.p}.profile_merges m
                            JOIN ${this.p}.profiles p ON p.workspace_id = m.workspace_id AND p.profile_id = m.into_profile_id
                           WHERE $5::text IS NULL AND m.workspace_id = $1 AND m.merged_profile_id = $2
                             AND p.status = 'erased' AND p.erased_at >= $10)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [
        row.workspaceId,
        row.deviceUuid,
        row.eventId,
        new Date(row.occurredAt),
        row.profileId,
        row.envelopeId,
        row.eventType,
        row.label,
        row.params === null ? null : JSON.stringify(row.params),
        new Date(row.receivedAt),
      ],
    )) as unknown[];
    return inserted.length > 0;
  }

  /**
   * Erasure: the profile's own rows, and the anonymous rows (received up to the erasure) of the
   * devices folded into it. Runs in the transaction that projects `ProfileErased`, after it, so
   * the merges it reads are the ones that erasure marked dropped.
   */
  async eraseProfile(sql: Sql, workspaceId: string, profileId: string, erasedAt: string): Promise<void> {
    await sql.query(
      `WITH own AS (DELETE FROM ${this.s}.events WHERE workspace_id = $1 AND profile_id = $2)
       DELETE FROM ${this.s}.events e USING ${this.p}.profile_merges m
        WHERE e.workspace_id = $1 AND e.profile_id IS NULL AND e.received_at <= $3
          AND m.workspace_id = $1 AND m.into_profile_id = $2 AND m.merged_profile_id = e.device_uuid`,
      [workspaceId, profileId, new Date(erasedAt)],
    );
  }

  async recordClosedSession(sql: Sql, workspaceId: string, sessionId: string, closedAt: string, forgetAfter: string): Promise<void> {
    await sql.query(
      `INSERT INTO ${this.s}.closed_sessions (workspace_id, session_id, closed_at, forget_after) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, session_id) DO UPDATE SET closed_at = LEAST(closed_sessions.closed_at, EXCLUDED.closed_at),
         forget_after = GREATEST(closed_sessions.forget_after, EXCLUDED.forget_after)`,
      [workspaceId, sessionId, new Date(closedAt), new Date(forgetAfter)],
    );
  }

  async isSessionClosed(sql: ReadSql, workspaceId: string, sessionId: string): Promise<boolean> {
    const { rows } = await sql.query({
      name: `${this.schema}.closed-session`,
      text: `SELECT 1 FROM ${this.s}.closed_sessions WHERE workspace_id = $1 AND session_id = $2`,
      values: [workspaceId, sessionId],
    });
    return rows.length > 0;
  }

  /** Forgets the sessions whose every token has expired (a bounded table, pruned by the maintenance). */
  async pruneClosedSessions(sql: Sql, now: number): Promise<number> {
    // A SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count], a SELECT with rows.
    const rows = (await sql.query(
      `WITH pruned AS (DELETE FROM ${this.s}.closed_sessions WHERE forget_after < $1 RETURNING 1) SELECT count(*)::int AS n FROM pruned`,
      [new Date(now)],
    )) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /** One page, newest first: the profile's rows and its devices' anonymous rows, merged in one statement. */
  async page(sql: ReadSql, q: PageQuery): Promise<StoredItem[]> {
    const filters = `e.occurred_at >= $3 AND e.occurred_at <= $4 AND (e.occurred_at, e.envelope_id) < ($4, $5::text)
        AND ($6::text[] IS NULL OR e.event_type = ANY($6::text[]))`;
    const columns = 'e.event_id, e.event_type, e.occurred_at, e.received_at, e.label, e.params, e.device_uuid, e.envelope_id';
    const order = 'ORDER BY occurred_at DESC, envelope_id DESC';
    const { rows } = await sql.query({
      name: `${this.schema}.page`,
      text: `(SELECT ${columns} FROM ${this.s}.events e
         WHERE e.workspace_id = $1 AND e.profile_id = $2 AND ${filters}
         ${order} LIMIT $7)
       UNION ALL
       (SELECT ${columns} FROM ${this.s}.events e
         WHERE e.workspace_id = $1 AND e.profile_id IS NULL AND ${filters}
           AND e.device_uuid IN (SELECT m.merged_profile_id FROM ${this.p}.profile_merges m
                                  WHERE m.workspace_id = $1 AND m.into_profile_id = $2 AND NOT m.dropped)
         ${order} LIMIT $7)
       ${order} LIMIT $7`,
      values: [q.workspaceId, q.profileId, new Date(q.from), new Date(q.below.occurredAt), q.below.envelopeId, q.types, q.take],
    });
    return (rows as DbRow[]).map(toItem);
  }
}

interface DbRow {
  event_id: string;
  event_type: string;
  occurred_at: Date;
  received_at: Date;
  label: string | null;
  params: Record<string, unknown> | null;
  device_uuid: string;
  envelope_id: string;
}

/** Explicit mapping to the public item: absent label and params are left out, nothing internal goes along. */
function toItem(r: DbRow): StoredItem {
  const item: StoredItem = {
    id: r.event_id,
    type: r.event_type,
    occurredAt: r.occurred_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    uuid: r.device_uuid,
    cursor: { occurredAt: r.occurred_at.getTime(), envelopeId: r.envelope_id },
  };
  if (r.label !== null) item.label = r.label;
  if (r.params !== null) item.params = r.params;
  return item;
}
