import { canonicalEmailOrNull } from '@idstream/contracts';
import { PERSONAL_FIELDS, columnOf, type Change, type DeviceLinkRow, type MergeRow, type ProfileRow } from './profile.rows';
import type { Keys, Slice } from './profile.evolve';

/** Anything that runs SQL: a transaction's EntityManager or the DataSource. */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

type DbRow = Record<string, unknown>;

/** Profile columns in write order, with the row field each one holds. */
const PROFILE_COLUMNS: [column: string, field: keyof ProfileRow][] = [
  ['workspace_id', 'workspaceId'],
  ['profile_id', 'profileId'],
  ['kind', 'kind'],
  ['status', 'status'],
  ['email', 'email'],
  ['email_confirmed', 'emailConfirmed'],
  ...PERSONAL_FIELDS.map((f): [string, keyof ProfileRow] => [columnOf(f), f]),
  ['agreements', 'agreements'],
  ['attributes', 'attributes'],
  ['merged_into', 'mergedInto'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['last_sign_in_at', 'lastSignInAt'],
  ['erased_at', 'erasedAt'],
];
const JSON_COLUMNS = new Set(['agreements', 'attributes']);

/** Times as the pure model holds them: ISO-8601 in UTC with milliseconds (a Date from pg, or text from jsonb). */
function iso(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));

export function profileFromDb(r: DbRow): ProfileRow {
  const row = {} as Record<string, unknown>;
  for (const [column, field] of PROFILE_COLUMNS) row[field] = r[column] ?? null;
  row.emailConfirmed = r.email_confirmed === true;
  row.createdAt = iso(r.created_at);
  row.updatedAt = iso(r.updated_at);
  row.lastSignInAt = isoOrNull(r.last_sign_in_at);
  row.erasedAt = isoOrNull(r.erased_at);
  return row as unknown as ProfileRow;
}

export function deviceFromDb(r: DbRow): DeviceLinkRow {
  return {
    workspaceId: String(r.workspace_id),
    uuid: String(r.uuid),
    profileId: String(r.profile_id),
    linkedAt: iso(r.linked_at),
    linkEventId: String(r.link_event_id),
    dropped: r.dropped === true,
  };
}

export function mergeFromDb(r: DbRow): MergeRow {
  return {
    workspaceId: String(r.workspace_id),
    mergedProfileId: String(r.merged_profile_id),
    intoProfileId: String(r.into_profile_id),
    mergedAt: iso(r.merged_at),
    mergeEventId: String(r.merge_event_id),
    dropped: r.dropped === true,
  };
}

/**
 * The SQL side of the profile projection, in one schema (the live `profiles` or the
 * rebuild's shadow). Every statement names the schema, so the live process follows a
 * rebuild's swap by name (docs/projector.md).
 */
export class ProfileStore {
  private readonly s: string;

  constructor(readonly schema: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
    this.s = `"${schema}"`;
  }

  /**
   * Serializes writers of the same devices across partitions for the rest of the
   * transaction: a device row, its merge and its anonymous profile are written by the
   * device's own stream and by any customer's that links it, and a missing row cannot be
   * row-locked. Everything else needs no lock: one aggregate lives on one partition, whose
   * batches already serialize on their checkpoint row (IdempotentConsumer). Keys are taken
   * sorted; a deadlock between two replicas' batches is transient and the batch retried.
   */
  async lock(sql: Sql, workspaceId: string, uuids: string[]): Promise<void> {
    const unique = [...new Set(uuids)].sort().map((k) => `${this.schema}:${workspaceId}:${k}`);
    if (unique.length === 0) return;
    await sql.query('SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n', [unique]);
  }

  async appliedSequence(sql: Sql, workspaceId: string, aggregateId: string): Promise<number | undefined> {
    const rows = (await sql.query(`SELECT sequence FROM ${this.s}.stream_positions WHERE workspace_id = $1 AND aggregate_id = $2`, [
      workspaceId,
      aggregateId,
    ])) as DbRow[];
    return rows[0] ? Number(rows[0].sequence) : undefined;
  }

  /**
   * In one statement (one round trip): the aggregate's applied sequence and the rows of
   * `keys`, row-locked for the rest of the transaction.
   */
  async read(sql: Sql, workspaceId: string, aggregateId: string, keys: Keys): Promise<{ applied: number | undefined; slice: Slice }> {
    const s = this.s;
    const rows = (await sql.query(
      `WITH pos AS (SELECT sequence FROM ${s}.stream_positions WHERE workspace_id = $1 AND aggregate_id = $2),
       p AS (SELECT * FROM ${s}.profiles WHERE workspace_id = $1 AND profile_id = ANY($3::text[]) FOR UPDATE),
       d AS (SELECT * FROM ${s}.device_links WHERE workspace_id = $1 AND (uuid = ANY($4::text[]) OR profile_id = ANY($5::text[])) FOR UPDATE),
       m AS (SELECT * FROM ${s}.profile_merges WHERE workspace_id = $1 AND (merged_profile_id = ANY($4::text[]) OR into_profile_id = ANY($5::text[])) FOR UPDATE)
       SELECT 'pos' AS t, to_jsonb(pos) AS r FROM pos
       UNION ALL SELECT 'p', to_jsonb(p) FROM p
       UNION ALL SELECT 'd', to_jsonb(d) FROM d
       UNION ALL SELECT 'm', to_jsonb(m) FROM m`,
      [workspaceId, aggregateId, keys.profiles, keys.devices, keys.ownedBy],
    )) as { t: 'pos' | 'p' | 'd' | 'm'; r: DbRow }[];
    let applied: number | undefined;
    const profiles = new Map<string, ProfileRow>();
    const devices = new Map<string, DeviceLinkRow>();
    const merges = new Map<string, MergeRow>();
    for (const { t, r } of rows) {
      if (t === 'pos') applied = Number(r.sequence);
      else if (t === 'p') profiles.set(String(r.profile_id), profileFromDb(r));
      else if (t === 'd') devices.set(String(r.uuid), deviceFromDb(r));
      else merges.set(String(r.merged_profile_id), mergeFromDb(r));
    }
    return { applied, slice: { profiles, devices, merges } };
  }

  /** Writes the changed rows and advances the aggregate's stream, in one statement. */
  async commit(
    sql: Sql,
    event: { workspaceId: string; aggregateId: string; sequence: number; id: string },
    changes: Change[],
  ): Promise<void> {
    const params: unknown[] = [];
    const ctes = dedupe(changes).map((change, i) => `c${i} AS (${this.upsert(change, params)})`);
    const n = params.length;
    params.push(event.workspaceId, event.aggregateId, event.sequence, event.id);
    await sql.query(
      `${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}INSERT INTO ${this.s}.stream_positions (workspace_id, aggregate_id, sequence, event_id)
       VALUES ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})
       ON CONFLICT (workspace_id, aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, event_id = EXCLUDED.event_id
       WHERE stream_positions.sequence < EXCLUDED.sequence`,
      params,
    );
  }

  /** The INSERT ... ON CONFLICT of one change; appends its parameters to `params`. */
  private upsert(change: Change, params: unknown[]): string {
    const bind = (value: unknown, cast = '') => {
      params.push(value);
      return `$${params.length}${cast}`;
    };
    switch (change.table) {
      case 'profiles': {
        const row = change.row;
        const values = PROFILE_COLUMNS.map(([c, f]) =>
          JSON_COLUMNS.has(c) ? bind(row[f] === null ? null : JSON.stringify(row[f]), '::jsonb') : bind(row[f]),
        );
        // The lookup key, derived here rather than held by the pure row: `?email=` finds a profile by it.
        values.push(bind(canonicalEmailOrNull(row.email)));
        const columns = [...PROFILE_COLUMNS.map(([c]) => c), 'email_canonical'];
        const updates = columns.filter((c) => c !== 'workspace_id' && c !== 'profile_id').map((c) => `${c} = EXCLUDED.${c}`);
        return `INSERT INTO ${this.s}.profiles (${columns.join(', ')}) VALUES (${values.join(', ')})
          ON CONFLICT (workspace_id, profile_id) DO UPDATE SET ${updates.join(', ')}`;
      }
      case 'device_links': {
        const d = change.row;
        return `INSERT INTO ${this.s}.device_links (workspace_id, uuid, profile_id, linked_at, link_event_id, dropped)
          VALUES (${[d.workspaceId, d.uuid, d.profileId, d.linkedAt, d.linkEventId, d.dropped].map((v) => bind(v)).join(', ')})
          ON CONFLICT (workspace_id, uuid) DO UPDATE SET profile_id = EXCLUDED.profile_id, linked_at = EXCLUDED.linked_at,
            link_event_id = EXCLUDED.link_event_id, dropped = EXCLUDED.dropped`;
      }
      case 'profile_merges': {
        const m = change.row;
        return `INSERT INTO ${this.s}.profile_merges (workspace_id, merged_profile_id, into_profile_id, merged_at, merge_event_id, dropped)
          VALUES (${[m.workspaceId, m.mergedProfileId, m.intoProfileId, m.mergedAt, m.mergeEventId, m.dropped].map((v) => bind(v)).join(', ')})
          ON CONFLICT (workspace_id, merged_profile_id) DO UPDATE SET into_profile_id = EXCLUDED.into_profile_id, merged_at = EXCLUDED.merged_at,
            merge_event_id = EXCLUDED.merge_event_id, dropped = EXCLUDED.dropped`;
      }
      default: {
        const never: never = change;
        throw new Error(`unknown change ${JSON.stringify(never)}`);
      }
    }
  }
}

/** One statement may write a row once: the last change of a row wins. */
function dedupe(changes: Change[]): Change[] {
  const byRow = new Map<string, Change>();
  for (const c of changes) {
    const key = c.table === 'profiles' ? c.row.profileId : c.table === 'device_links' ? c.row.uuid : c.row.mergedProfileId;
    byRow.delete(`${c.table}/${key}`);
    byRow.set(`${c.table}/${key}`, c);
  }
  return [...byRow.values()];
}
