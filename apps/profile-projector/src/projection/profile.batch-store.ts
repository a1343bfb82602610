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

/** A profile row as written: the row itself, plus the lookup form of its email when it has one. */
type ProfileWrite = ProfileRow & { emailCanonical?: string | null };

/**
 * Columns of `profiles`, the row field each one is read from and its SQL type. The batch's
 * rows go to PostgreSQL as they are, one JSON array (json_to_recordset names the fields):
 * copying each into a snake_case object first was 7 % of a replay's CPU.
 */
const PROFILE_TYPES: [column: string, field: keyof ProfileWrite, type: string][] = [
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
  ['email_canonical', 'emailCanonical', 'text'],
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
    const profiles = new Map<string, ProfileWrite>();
    const devices = new Map<string, DeviceLinkRow>();
    const merges = new Map<string, MergeRow>();
    for (const change of changes) {
      if (change.table === 'profiles') {
        const row = change.row;
        profiles.set(
          rowKey(row.workspaceId, row.profileId),
          row.email === null ? row : { ...row, emailCanonical: canonicalEmailOrNull(row.email) },
        );
      } else if (change.table === 'device_links') devices.set(rowKey(change.row.workspaceId, change.row.uuid), change.row);
      else merges.set(rowKey(change.row.workspaceId, change.row.mergedProfileId), change.row);
    }
    const s = this.s;
    const profileColumns = PROFILE_TYPES.map(([c]) => c);
    const profileUpdates = profileColumns.filter((c) => c !== 'workspace_id' && c !== 'profile_id').map((c) => `${c} = EXCLUDED.${c}`);
    const ctes: string[] = [];
    const params: string[] = [];
    const json = (rows: Iterable<object>) => {
      params.push(JSON.stringify([...rows]));
      return `$${params.length}::json`;
    };
    if (profiles.size > 0) {
      ctes.push(`p AS (INSERT INTO ${s}.profiles (${profileColumns.join(', ')})
        SELECT ${PROFILE_TYPES.map(([, f]) => `"${f}"`).join(', ')}
          FROM json_to_recordset(${json(profiles.values())}) AS t(${PROFILE_TYPES.map(([, f, type]) => `"${f}" ${type}`).join(', ')})
        ON CONFLICT (workspace_id, profile_id) DO UPDATE SET ${profileUpdates.join(', ')})`);
    }
    if (devices.size > 0) {
      ctes.push(`d AS (INSERT INTO ${s}.device_links (workspace_id, uuid, profile_id, linked_at, link_event_id, dropped)
        SELECT "workspaceId", uuid, "profileId", "linkedAt", "linkEventId", dropped FROM json_to_recordset(${json(devices.values())})
          AS t("workspaceId" text, uuid text, "profileId" text, "linkedAt" timestamptz, "linkEventId" text, dropped boolean)
        ON CONFLICT (workspace_id, uuid) DO UPDATE SET profile_id = EXCLUDED.profile_id, linked_at = EXCLUDED.linked_at,
          link_event_id = EXCLUDED.link_event_id, dropped = EXCLUDED.dropped)`);
    }
    if (merges.size > 0) {
      ctes.push(`m AS (INSERT INTO ${s}.profile_merges (workspace_id, merged_profile_id, into_profile_id, merged_at, merge_event_id, dropped)
        SELECT "workspaceId", "mergedProfileId", "intoProfileId", "mergedAt", "mergeEventId", dropped FROM json_to_recordset(${json(merges.values())})
          AS t("workspaceId" text, "mergedProfileId" text, "intoProfileId" text, "mergedAt" timestamptz, "mergeEventId" text, dropped boolean)
        ON CONFLICT (workspace_id, merged_profile_id) DO UPDATE SET into_profile_id = EXCLUDED.into_profile_id, merged_at = EXCLUDED.merged_at,
          merge_event_id = EXCLUDED.merge_event_id, dropped = EXCLUDED.dropped)`);
    }
    if (positions.length === 0 && ctes.length === 0) return;
    // The last position of each stream (the caller's list may name one several times).
    const streams = json(new Map(positions.map((p) => [rowKey(p.workspaceId, p.aggregateId), p])).values());
    await sql.query(
      `${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}INSERT INTO ${s}.stream_positions (workspace_id, aggregate_id, sequence, event_id)
       SELECT "workspaceId", "aggregateId", sequence, "eventId"
         FROM json_to_recordset(${streams}) AS t("workspaceId" text, "aggregateId" text, sequence bigint, "eventId" text)
       ON CONFLICT (workspace_id, aggregate_id) DO UPDATE SET sequence = EXCLUDED.sequence, event_id = EXCLUDED.event_id
       WHERE stream_positions.sequence < EXCLUDED.sequence`,
      params,
    );
  }
}
