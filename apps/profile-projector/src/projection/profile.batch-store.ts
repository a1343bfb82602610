import { canonicalEmailOrNull } from '@idstream/contracts';
import type { Keys } from './profile.evolve';
import { PERSONAL_FIELDS, columnOf, type Change, type DeviceLinkRow, type MergeRow, type ProfileRow } from './profile.rows';
import { deviceFromDb, mergeFromDb, profileFromDb, type Sql } from './profile.store';

type DbRow = Record<string, unknown>;

/** The keys one batch reads, per workspace (`keysOf` of each event, plus the event's own stream). */
export interface BatchKeys {
  workspaceId: string;
  aggregateId: string;
  keys: Keys;
}

/** What a batch loaded: the rows of every key of every event, by `workspaceId/id`. */
export interface BatchRows {
  positions: Map<string, number>;
  profiles: Map<string, ProfileRow>;
  devices: Map<string, DeviceLinkRow>;
  merges: Map<string, MergeRow>;
}

/** The map key of a row of workspace `w`. */
export const rowKey = (workspaceId: string, id: string): string => `${workspaceId}/${id}`;

/** The last position of every stream a batch advanced. */
export interface StreamPosition {
  workspaceId: string;
  aggregateId: string;
  sequence: number;
  eventId: string;
}

/** Columns of `profiles` with their SQL type, in the order of the recordset (jsonb_to_recordset names them). */
const PROFILE_TYPES: [column: string, field: keyof ProfileRow | null, type: string][] = [
  ['workspace_id', 'workspaceId', 'text'],
  ['profile_id', 'profileId', 'text'],
  ['kind', 'kind', 'text'],
  ['status', 'status', 'text'],
  ['email', 'email', 'text'],
  ['email_confirmed', 'emailConfirmed', 'boolean'],
  ...PERSONAL_FIELDS.map((f): [string, keyof ProfileRow, string] => [columnOf(f), f, 'text']),
  ['agreements', 'agreements', 'jsonb'],
  ['attributes', 'attributes', 'jsonb'],
  ['merged_into', 'mergedInto', 'text'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['updated_at', 'updatedAt', 'timestamptz'],
  ['last_sign_in_at', 'lastSignInAt', 'timestamptz'],
  ['erased_at', 'erasedAt', 'timestamptz'],
  // Derived on write, as ProfileStore.commit does: `?email=` finds a profile by it.
  ['email_canonical', null, 'text'],
];

/**
 * The profile read model's SQL for a whole Kafka batch: one statement reads every row the
 * batch's events need (row-locked), one statement writes every row they changed and every
 * stream's new position. The per-event ProfileStore stays for the per-event retry path.
 */
export class ProfileBatchStore {
  private readonly s: string;

  constructor(readonly schema: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
    this.s = `"${schema}"`;
  }

  /** Advisory locks of every device of the batch, in one sorted order (see ProfileStore.lock). */
  async lock(sql: Sql, devices: { workspaceId: string; uuid: string }[]): Promise<void> {
    const unique = [...new Set(devices.map((d) => `${this.schema}:${d.workspaceId}:${d.uuid}`))].sort();
    if (unique.length === 0) return;
    await sql.query('SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n', [unique]);
  }

  /**
   * In one round trip: the applied sequence of every stream and the rows of every key,
   * row-locked. Each lookup is its own CTE, so that each uses its index (an OR of two key
   * lists would scan the table); a row found by both, or by two keys, is read twice, to the same value.
   */
  async read(sql: Sql, batch: readonly BatchKeys[]): Promise<BatchRows> {
    const pairs = () => ({ w: [] as string[], k: [] as string[] });
    const streams = pairs();
    const profiles = pairs();
    const devices = pairs();
    const owners = pairs();
    for (const { workspaceId, aggregateId, keys } of batch) {
      streams.w.push(workspaceId);
      streams.k.push(aggregateId);
      const add = (to: { w: string[]; k: string[] }, ids: readonly string[]) => {
        for (const id of ids) {
          to.w.push(workspaceId);
          to.k.push(id);
        }
      };
      add(profiles, keys.profiles);
      add(devices, keys.devices);
      add(owners, keys.ownedBy);
    }
    const s = this.s;
    // Each lookup is a LATERAL index probe per key: a plain `IN (SELECT unnest ...)` let the
    // planner hash-join a sequential scan of the whole table (seen on profiles at 68,000 rows:
    // 61 ms of a 98 ms read), so a replay's reads grew with the table, quadratic in all.
    const probe = (table: string, where: string, w: number, lock: boolean) =>
      `SELECT x.* FROM unnest($${w}::text[], $${w + 1}::text[]) AS k(w, id)
         CROSS JOIN LATERAL (SELECT * FROM ${s}.${table} y WHERE y.workspace_id = k.w AND y.${where} = k.id${lock ? ' FOR UPDATE' : ''}) x`;
    const rows = (await sql.query(
      `WITH pos AS (${probe('stream_positions', 'aggregate_id', 1, false)}),
       p AS (${probe('profiles', 'profile_id', 3, true)}),
       d AS (${probe('device_links', 'uuid', 5, true)}),
       d2 AS (${probe('device_links', 'profile_id', 7, true)}),
       m AS (${probe('profile_merges', 'merged_profile_id', 5, true)}),
       m2 AS (${probe('profile_merges', 'into_profile_id', 7, true)})
       SELECT 'pos' AS t, to_jsonb(pos) AS r FROM pos
       UNION ALL SELECT 'p', to_jsonb(p) FROM p
       UNION ALL SELECT 'd', to_jsonb(d) FROM d
       UNION ALL SELECT 'd', to_jsonb(d2) FROM d2
       UNION ALL SELECT 'm', to_jsonb(m) FROM m
       UNION ALL SELECT 'm', to_jsonb(m2) FROM m2`,
      [streams.w, streams.k, profiles.w, profiles.k, devices.w, devices.k, owners.w, owners.k],
    )) as { t: 'pos' | 'p' | 'd' | 'm'; r: DbRow }[];
    const out: BatchRows = { positions: new Map(), profiles: new Map(), devices: new Map(), merges: new Map() };
    for (const { t, r } of rows) {
      const w = String(r.workspace_id);
      if (t === 'pos') out.positions.set(rowKey(w, String(r.aggregate_id)), Number(r.sequence));
      else if (t === 'p') out.profiles.set(rowKey(w, String(r.profile_id)), profileFromDb(r));
      else if (t === 'd') out.devices.set(rowKey(w, String(r.uuid)), deviceFromDb(r));
      else out.merges.set(rowKey(w, String(r.merged_profile_id)), mergeFromDb(r));
    }
    return out;
  }

  /**
   * Writes the changed rows (the last change of each row wins) and the streams' positions in
   * one statement: one multi-row upsert per table, fed by one JSON parameter each.
   */
  async write(sql: Sql, changes: readonly Change[], positions: readonly StreamPosition[]): Promise<void> {
    const profiles = new Map<string, DbRow>();
    const devices = new Map<string, DbRow>();
    const merges = new Map<string, DbRow>();
    for (const change of changes) {
      if (change.table === 'profiles') {
        const row = change.row;
        const out: DbRow = {};
        for (const [column, field] of PROFILE_TYPES) if (field) out[column] = row[field];
        out.email_canonical = canonicalEmailOrNull(row.email);
        profiles.set(rowKey(row.workspaceId, row.profileId), out);
      } else if (change.table === 'device_links') {
        const d = change.row;
        devices.set(rowKey(d.workspaceId, d.uuid), {
          workspace_id: d.workspaceId,
          uuid: d.uuid,
          profile_id: d.profileId,
          linked_at: d.linkedAt,
          link_event_id: d.linkEventId,
          dropped: d.dropped,
        });
      } else {
        const m = change.row;
        merges.set(rowKey(m.workspaceId, m.mergedProfileId), {
          workspace_id: m.workspaceId,
          merged_profile_id: m.mergedProfileId,
          into_profile_id: m.intoProfileId,
          merged_at: m.mergedAt,
          merge_event_id: m.mergeEventId,
          dropped: m.dropped,
        });
      }
    }
    const s = this.s;
    const profileColumns = PROFILE_TYPES.map(([c]) => c);
    const profileUpdates = profileColumns.filter((c) => c !== 'workspace_id' && c !== 'profile_id').map((c) => `${c} = EXCLUDED.${c}`);
    const ctes: string[] = [];
    const params: string[] = [];
    const json = (rows: Map<string, DbRow>) => {
      params.push(JSON.stringify([...rows.values()]));
      return `$${params.length}::json`;
    };
    if (profiles.size > 0) {
      ctes.push(`p AS (INSERT INTO ${s}.profiles (${profileColumns.join(', ')})
        SELECT ${profileColumns.join(', ')} FROM json_to_recordset(${json(profiles)}) AS t(${PROFILE_TYPES.map(([c, , type]) => `${c} ${type}`).join(', ')})
        ON CONFLICT (workspace_id, profile_id) DO UPDATE SET ${profileUpdates.join(', ')})`);
    }
    if (devices.size > 0) {
      ctes.push(`d AS (INSERT INTO ${s}.device_links (workspace_id, uuid, profile_id, linked_at, link_event_id, dropped)
        SELECT * FROM json_to_recordset(${json(devices)})
          AS t(workspace_id text, uuid text, profile_id text, linked_at timestamptz, link_event_id text, dropped boolean)
        ON CONFLICT (workspace_id, uuid) DO UPDATE SET profile_id = EXCLUDED.profile_id, linked_at = EXCLUDED.linked_at,
          link_event_id = EXCLUDED.link_event_id, dropped = EXCLUDED.dropped)`);
    }
    if (merges.size > 0) {
      ctes.push(`m AS (INSERT INTO ${s}.profile_merges (workspace_id, merged_profile_id, into_profile_id, merged_at, merge_event_id, dropped)
        SELECT * FROM json_to_recordset(${json(merges)})
          AS t(workspace_id text, merged_profile_id text, into_profile_id text, merged_at timestamptz, merge_event_id text, dropped boolean)
        ON CONFLICT (workspace_id, merged_profile_id) DO UPDATE SET into_profile_id = EXCLUDED.into_profile_id, merged_at = EXCLUDED.merged_at,
          merge_event_id = EXCLUDED.merge_event_id, dropped = EXCLUDED.dropped)`);
    }
    if (positions.length === 0 && ctes.length === 0) return;
    const streams = json(
      new Map(
        positions.map((p) => [
          rowKey(p.workspaceId, p.aggregateId),
          { workspace_id: p.workspaceId, aggregate_id: p.aggregateId, sequence: p.sequence, event_id: p.eventId },
        ]),
      ),
    );
    await sql.query(
      `${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}INSERT INTO ${s}.stream_positions (workspace_id, aggregate_id, sequence, event_id)
       SELECT * FROM json_to_recordset(${streams}) AS t(workspace_id text, aggregate_id text, sequence bigint, event_id text)
       ON CONFLICT (workspace_id, aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, event_id = EXCLUDED.event_id
       WHERE stream_positions.sequence < EXCLUDED.sequence`,
      params,
    );
  }
}
