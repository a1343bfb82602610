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

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
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
   * Serializes writers of the same keys across processes for the rest of the transaction
   * (two replicas may link the same device from two partitions). Keys are taken sorted; a
   * deadlock between two batches is a transient error and the batch is retried.
   */
  async lock(sql: Sql, workspaceId: string, keys: string[]): Promise<void> {
    const unique = [...new Set(keys)].sort().map((k) => `${this.schema}:${workspaceId}:${k}`);
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

  async advance(sql: Sql, workspaceId: string, aggregateId: string, sequence: number, eventId: string): Promise<void> {
    await sql.query(
      `INSERT INTO ${this.s}.stream_positions (workspace_id, aggregate_id, sequence, event_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, event_id = EXCLUDED.event_id
       WHERE stream_positions.sequence < EXCLUDED.sequence`,
      [workspaceId, aggregateId, sequence, eventId],
    );
  }

  /** Loads (and row-locks) the rows of `keys`. */
  async load(sql: Sql, workspaceId: string, keys: Keys): Promise<Slice> {
    const profiles = new Map<string, ProfileRow>();
    const devices = new Map<string, DeviceLinkRow>();
    const merges = new Map<string, MergeRow>();
    if (keys.profiles.length > 0) {
      const rows = (await sql.query(`SELECT * FROM ${this.s}.profiles WHERE workspace_id = $1 AND profile_id = ANY($2::text[]) FOR UPDATE`, [
        workspaceId,
        keys.profiles,
      ])) as DbRow[];
      for (const r of rows) profiles.set(String(r.profile_id), profileFromDb(r));
    }
    if (keys.devices.length > 0 || keys.ownedBy.length > 0) {
      const rows = (await sql.query(
        `SELECT * FROM ${this.s}.device_links WHERE workspace_id = $1 AND (uuid = ANY($2::text[]) OR profile_id = ANY($3::text[])) FOR UPDATE`,
        [workspaceId, keys.devices, keys.ownedBy],
      )) as DbRow[];
      for (const r of rows) devices.set(String(r.uuid), deviceFromDb(r));
      const merged = (await sql.query(
        `SELECT * FROM ${this.s}.profile_merges WHERE workspace_id = $1 AND (merged_profile_id = ANY($2::text[]) OR into_profile_id = ANY($3::text[])) FOR UPDATE`,
        [workspaceId, keys.devices, keys.ownedBy],
      )) as DbRow[];
      for (const r of merged) merges.set(String(r.merged_profile_id), mergeFromDb(r));
    }
    return { profiles, devices, merges };
  }

  async write(sql: Sql, changes: Change[]): Promise<void> {
    for (const change of changes) {
      switch (change.table) {
        case 'profiles':
          await this.putProfile(sql, change.row);
          break;
        case 'device_links': {
          const d = change.row;
          await sql.query(
            `INSERT INTO ${this.s}.device_links (workspace_id, uuid, profile_id, linked_at, link_event_id, dropped) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (workspace_id, uuid) DO UPDATE SET profile_id = EXCLUDED.profile_id, linked_at = EXCLUDED.linked_at,
               link_event_id = EXCLUDED.link_event_id, dropped = EXCLUDED.dropped`,
            [d.workspaceId, d.uuid, d.profileId, d.linkedAt, d.linkEventId, d.dropped],
          );
          break;
        }
        case 'profile_merges': {
          const m = change.row;
          await sql.query(
            `INSERT INTO ${this.s}.profile_merges (workspace_id, merged_profile_id, into_profile_id, merged_at, merge_event_id, dropped) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (workspace_id, merged_profile_id) DO UPDATE SET into_profile_id = EXCLUDED.into_profile_id, merged_at = EXCLUDED.merged_at,
               merge_event_id = EXCLUDED.merge_event_id, dropped = EXCLUDED.dropped`,
            [m.workspaceId, m.mergedProfileId, m.intoProfileId, m.mergedAt, m.mergeEventId, m.dropped],
          );
          break;
        }
        default: {
          const never: never = change;
          throw new Error(`unknown change ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private async putProfile(sql: Sql, row: ProfileRow): Promise<void> {
    const columns = PROFILE_COLUMNS.map(([c]) => c);
    const values = PROFILE_COLUMNS.map(([c, f]) => (JSON_COLUMNS.has(c) && row[f] !== null ? JSON.stringify(row[f]) : row[f]));
    const placeholders = PROFILE_COLUMNS.map(([c], i) => (JSON_COLUMNS.has(c) ? `$${i + 1}::jsonb` : `$${i + 1}`));
    const updates = columns.filter((c) => c !== 'workspace_id' && c !== 'profile_id').map((c) => `${c} = EXCLUDED.${c}`);
    await sql.query(
      `INSERT INTO ${this.s}.profiles (${columns.join(', ')}) VALUES (${placeholders.join(', ')})
       ON CONFLICT (workspace_id, profile_id) DO UPDATE SET ${updates.join(', ')}`,
      values,
    );
  }
}
