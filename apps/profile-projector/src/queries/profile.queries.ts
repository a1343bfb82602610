import { canonicalEmailOrNull, fail, ok, formatPosition, type Reply } from '@idstream/contracts';
import type { PositionWaiters } from '../consistency/position-waiters';
import { profileFromDb, type Sql } from '../projection/profile.store';
import { parseFindProfiles, parseGetProfile, type Position } from './profile-query.parse';
import { toProfileView, type ProfileView } from './profile.view';

const MAX_ITEMS = 100;

/**
 * The backend profile queries (`profiles.get`, `profiles.find`), answered from the read
 * model, after an optional bounded wait for a write's position. Errors are data.
 */
export class ProfileQueries {
  private readonly s: string;

  constructor(
    private readonly sql: Sql,
    schema: string,
    private readonly waiters: PositionWaiters,
    private readonly consistencyWaitMs: number,
  ) {
    this.s = `"${schema}"`;
  }

  async get(input: unknown): Promise<Reply<ProfileView>> {
    const query = parseGetProfile(input);
    if (!query.ok) return { ok: false, error: query.error };
    const { workspaceId, profileId, position } = query.value;
    const waited = await this.waitFor(workspaceId, position);
    if (waited) return waited;
    const [view] = await this.select(`p.workspace_id = $1 AND p.profile_id = $2`, [workspaceId, profileId]);
    return view ? ok(view) : fail('PROFILE_NOT_FOUND', `no profile ${profileId}`);
  }

  async find(input: unknown): Promise<Reply<{ items: ProfileView[] }>> {
    const query = parseFindProfiles(input);
    if (!query.ok) return { ok: false, error: query.error };
    const { workspaceId, by, value, position } = query.value;
    const waited = await this.waitFor(workspaceId, position);
    if (waited) return waited;
    let items: ProfileView[];
    switch (by) {
      case 'email':
        // By canonical form (`canonicalEmail`); an address that has none matches nothing.
        items = await this.select(`p.workspace_id = $1 AND p.email_canonical = $2`, [workspaceId, canonicalEmailOrNull(value)]);
        break;
      case 'customId':
        items = await this.select(`p.workspace_id = $1 AND p.custom_id = $2`, [workspaceId, value]);
        break;
      case 'uuid':
        items = await this.select(
          `(p.workspace_id, p.profile_id) IN (SELECT d.workspace_id, d.profile_id FROM ${this.s}.device_links d
             WHERE d.workspace_id = $1 AND d.uuid = $2 AND NOT d.dropped)`,
          [workspaceId, value],
        );
        break;
      default: {
        const never: never = by;
        return fail('BAD_QUERY', `unknown lookup ${String(never)}`);
      }
    }
    return ok({ items });
  }

  private async waitFor(workspaceId: string, position: Position | null): Promise<Reply<never> | null> {
    if (!position) return null;
    if (await this.waiters.reached(workspaceId, position.aggregateId, position.sequence, this.consistencyWaitMs)) return null;
    return fail('CONSISTENCY_TIMEOUT', `the read model has not applied ${formatPosition(position.aggregateId, position.sequence)} yet`, {
      retryAfter: 1,
    });
  }

  /** One statement, so a profile and its links come from one snapshot. */
  private async select(where: string, params: unknown[]): Promise<ProfileView[]> {
    const rows = (await this.sql.query(
      `SELECT p.*,
         COALESCE((SELECT array_agg(d.uuid ORDER BY d.linked_at, d.uuid) FROM ${this.s}.device_links d
                    WHERE d.workspace_id = p.workspace_id AND d.profile_id = p.profile_id AND NOT d.dropped), '{}') AS linked_uuids,
         COALESCE((SELECT array_agg(m.merged_profile_id ORDER BY m.merged_at, m.merged_profile_id) FROM ${this.s}.profile_merges m
                    WHERE m.workspace_id = p.workspace_id AND m.into_profile_id = p.profile_id AND NOT m.dropped), '{}') AS merged_ids
         FROM ${this.s}.profiles p WHERE ${where}
        ORDER BY p.created_at, p.profile_id LIMIT ${MAX_ITEMS}`,
      params,
    )) as Record<string, unknown>[];
    return rows.map((r) => toProfileView(profileFromDb(r), r.linked_uuids as string[], r.merged_ids as string[]));
  }
}
