import type { EntityManager } from 'typeorm';
import { firstOfEachId, samePosition, sightingKey, type Sighting } from './dedupe.decide';

export interface Claim extends Sighting {
  /** Epoch ms: the age the id is pruned by. */
  receivedAt: number;
}

interface SeenRow {
  workspace_id: string;
  device_uuid: string;
  event_id: string;
  source_group: string;
  source_partition: number;
  source_offset: string;
  source_index: number;
}

/**
 * The remembered ids, in `tracking.seen_events` (one row per accepted event, pruned by age):
 * see dedupe.decide.ts for the scheme.
 */
export class DedupeStore {
  /**
   * Claims the ids inside the caller's transaction; answers, per claim, whether it is the first
   * sighting (to be accepted). A concurrent claim of the same id from another partition waits
   * on the row lock and then loses.
   */
  async claim(manager: EntityManager, claims: readonly Claim[]): Promise<boolean[]> {
    const fresh = claims.map(() => false);
    if (claims.length === 0) return fresh;
    const { first } = firstOfEachId(claims);
    // Each claim's key once (the sort would build two per comparison: O(n log n) strings per batch).
    const keys = claims.map(sightingKey);
    // One lock order for every transaction, so two of them never deadlock on the same ids.
    const ordered = [...first].sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
    const rows = ordered.map((i) => claims[i]!);
    const inserted: { workspace_id: string; device_uuid: string; event_id: string }[] = await manager.query(
      `INSERT INTO tracking.seen_events (workspace_id, device_uuid, event_id, source_group, source_partition, source_offset, source_index, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::int[], $8::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING workspace_id, device_uuid, event_id`,
      [
        rows.map((c) => c.workspaceId),
        rows.map((c) => c.deviceUuid),
        rows.map((c) => c.eventId),
        rows.map((c) => c.group),
        rows.map((c) => c.partition),
        rows.map((c) => c.offset),
        rows.map((c) => c.index),
        rows.map((c) => new Date(c.receivedAt).toISOString()),
      ],
    );
    const won = new Set(inserted.map((r) => sightingKey({ workspaceId: r.workspace_id, deviceUuid: r.device_uuid, eventId: r.event_id })));
    const contested = first.filter((i) => !won.has(keys[i]!));
    for (const i of first) if (won.has(keys[i]!)) fresh[i] = true;
    if (contested.length === 0) return fresh;

    const existing: SeenRow[] = await manager.query(
      `SELECT s.workspace_id, s.device_uuid, s.event_id, s.source_group, s.source_partition, s.source_offset::text AS source_offset, s.source_index
         FROM tracking.seen_events s
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(workspace_id, device_uuid, event_id)
           ON s.workspace_id = k.workspace_id AND s.device_uuid = k.device_uuid AND s.event_id = k.event_id`,
      [contested.map((i) => claims[i]!.workspaceId), contested.map((i) => claims[i]!.deviceUuid), contested.map((i) => claims[i]!.eventId)],
    );
    const byKey = new Map(
      existing.map((r) => [sightingKey({ workspaceId: r.workspace_id, deviceUuid: r.device_uuid, eventId: r.event_id }), r]),
    );
    for (const i of contested) {
      const claim = claims[i]!;
      const row = byKey.get(keys[i]!);
      // No row: it was pruned between the two statements (older than the window): a duplicate is the safe answer.
      fresh[i] =
        row !== undefined &&
        samePosition(
          { group: row.source_group, partition: row.source_partition, offset: row.source_offset, index: row.source_index },
          claim,
        );
    }
    return fresh;
  }

  /**
   * Forgets the ids of one input partition received before `before`, at most `limit` rows per
   * statement (short locks); returns how many went.
   */
  async prune(manager: EntityManager, partition: number, before: Date, limit = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      // A CTE, so that TypeORM answers rows (a bare DELETE answers [rows, count]).
      const [row]: { n: number }[] = await manager.query(
        `WITH gone AS (
           DELETE FROM tracking.seen_events WHERE ctid IN (
             SELECT ctid FROM tracking.seen_events WHERE source_partition = $1 AND received_at < $2 LIMIT $3)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [partition, before.toISOString(), limit],
      );
      const deleted = row?.n ?? 0;
      total += deleted;
      if (deleted < limit) return total;
    }
  }
}
