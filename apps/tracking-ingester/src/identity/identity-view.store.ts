import type { DataSource, EntityManager } from 'typeorm';
import type { PublicJwk } from '@idstream/crypto';
import type { DeviceLink, IdentityViewChange, SessionClosure } from './identity-view.change';

export interface StoredKey {
  jwk: PublicJwk;
  validUntil: Date | null;
}

type Queryable = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

/**
 * The ingester's view of identity.events in schema `tracking`: written by the identity consumer
 * (inside its checkpoint transaction), read by the batch processor.
 */
export class IdentityViewStore {
  async apply(manager: EntityManager, change: IdentityViewChange): Promise<void> {
    switch (change.kind) {
      case 'link':
        // A row per change of profile: a link that repeats the device's previous one adds nothing.
        await manager.query(
          `INSERT INTO tracking.device_links (workspace_id, device_uuid, linked_at, profile_id, event_id)
           SELECT $1, $2, $3, $4, $5
            WHERE NOT EXISTS (
              SELECT 1 FROM (
                SELECT profile_id FROM tracking.device_links
                 WHERE workspace_id = $1 AND device_uuid = $2 AND linked_at <= $3
                 ORDER BY linked_at DESC, event_id DESC LIMIT 1) previous
               WHERE previous.profile_id = $4)
           ON CONFLICT DO NOTHING`,
          [change.workspaceId, change.deviceUuid, change.at.toISOString(), change.profileId, change.eventId],
        );
        return;
      case 'unlink-profile':
        // Devices whose link at the erasure is this profile become anonymous from then on; the
        // profile's own link rows are forgotten.
        await manager.query(
          `INSERT INTO tracking.device_links (workspace_id, device_uuid, linked_at, profile_id, event_id)
           SELECT $1, latest.device_uuid, $3, NULL, $4
             FROM (SELECT DISTINCT ON (device_uuid) device_uuid, profile_id FROM tracking.device_links
                    WHERE workspace_id = $1 AND linked_at <= $3
                      AND device_uuid IN (SELECT device_uuid FROM tracking.device_links WHERE workspace_id = $1 AND profile_id = $2)
                    ORDER BY device_uuid, linked_at DESC, event_id DESC) latest
            WHERE latest.profile_id = $2
           ON CONFLICT DO NOTHING`,
          [change.workspaceId, change.profileId, change.at.toISOString(), change.eventId],
        );
        await manager.query(
          'WITH gone AS (DELETE FROM tracking.device_links WHERE workspace_id = $1 AND profile_id = $2 RETURNING 1) SELECT count(*) FROM gone',
          [change.workspaceId, change.profileId],
        );
        return;
      case 'session-closed':
        // The first close is the one that counts; the latest forgetAfter keeps it long enough.
        await manager.query(
          `INSERT INTO tracking.closed_sessions (session_id, closed_at, forget_after) VALUES ($1, $2, $3)
           ON CONFLICT (session_id) DO UPDATE SET closed_at = LEAST(closed_sessions.closed_at, EXCLUDED.closed_at),
                                                  forget_after = GREATEST(closed_sessions.forget_after, EXCLUDED.forget_after)`,
          [change.sessionId, change.closedAt.toISOString(), change.forgetAfter.toISOString()],
        );
        return;
      case 'signing-key': {
        const { key } = change;
        await manager.query('INSERT INTO tracking.signing_keys (kid, public_jwk) VALUES ($1, $2::jsonb) ON CONFLICT (kid) DO NOTHING', [
          key.kid,
          JSON.stringify(key.publicJwk),
        ]);
        if (key.previousKid !== null && key.previousValidUntil !== null) {
          await manager.query(
            'WITH changed AS (UPDATE tracking.signing_keys SET valid_until = $2 WHERE kid = $1 RETURNING 1) SELECT count(*) FROM changed',
            [key.previousKid, key.previousValidUntil],
          );
        }
        return;
      }
      case 'none':
        return;
      default: {
        const unknownChange: never = change;
        throw new Error(`unknown change ${JSON.stringify(unknownChange)}`);
      }
    }
  }

  /** Link histories of devices, keyed `workspace\0device`. */
  async links(db: Queryable, devices: readonly { workspaceId: string; deviceUuid: string }[]): Promise<Map<string, DeviceLink[]>> {
    const out = new Map<string, DeviceLink[]>();
    if (devices.length === 0) return out;
    const rows: { workspace_id: string; device_uuid: string; linked_at: Date; profile_id: string | null; event_id: string }[] =
      await db.query(
        `SELECT l.workspace_id, l.device_uuid, l.linked_at, l.profile_id, l.event_id
         FROM tracking.device_links l
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS d(workspace_id, device_uuid)
           ON l.workspace_id = d.workspace_id AND l.device_uuid = d.device_uuid`,
        [devices.map((d) => d.workspaceId), devices.map((d) => d.deviceUuid)],
      );
    for (const row of rows) {
      const key = deviceKey(row.workspace_id, row.device_uuid);
      const list = out.get(key) ?? [];
      list.push({ linkedAt: new Date(row.linked_at).getTime(), profileId: row.profile_id, eventId: row.event_id });
      out.set(key, list);
    }
    return out;
  }

  async closures(db: Queryable, sessionIds: readonly string[]): Promise<Map<string, SessionClosure>> {
    const out = new Map<string, SessionClosure>();
    if (sessionIds.length === 0) return out;
    const rows: { session_id: string; closed_at: Date }[] = await db.query(
      'SELECT session_id, closed_at FROM tracking.closed_sessions WHERE session_id = ANY($1::text[])',
      [[...new Set(sessionIds)]],
    );
    for (const row of rows) out.set(row.session_id, { closedAt: new Date(row.closed_at).getTime() });
    return out;
  }

  async keys(db: Queryable): Promise<StoredKey[]> {
    const rows: { public_jwk: PublicJwk; valid_until: Date | null }[] = await db.query(
      'SELECT public_jwk, valid_until FROM tracking.signing_keys ORDER BY kid',
    );
    return rows.map((r) => ({ jwk: r.public_jwk, validUntil: r.valid_until === null ? null : new Date(r.valid_until) }));
  }

  /**
   * Forgets closed sessions whose last token expired before `before`. The caller keeps them
   * past forgetAfter by tracking.raw's retention, since a late record may still be judged.
   */
  async pruneClosures(db: Queryable, before: Date): Promise<number> {
    const [row]: { n: number }[] = await db.query(
      'WITH gone AS (DELETE FROM tracking.closed_sessions WHERE forget_after < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
      [before.toISOString()],
    );
    return row?.n ?? 0;
  }
}

export const deviceKey = (workspaceId: string, deviceUuid: string): string => `${workspaceId}\u0000${deviceUuid}`;
