import { canonicalEmailOrNull } from '@idstream/contracts';

/** One row of an email uniqueness index: its current key and the address as the profile gave it. */
export interface IndexedEmail {
  workspaceId: string;
  key: string;
  profileId: string;
  /** The address as given (the profile's state), or null when the state holds none. */
  email: string | null;
}

export interface RekeyPlan {
  /** Rows whose key becomes the canonical form. */
  moves: { workspaceId: string; from: string; to: string; profileId: string }[];
  /** Profiles whose addresses share one canonical form: left as they are, never merged. */
  collisions: { workspaceId: string; profileIds: string[] }[];
  /** Profiles whose address has no canonical form (Kelvin sign, zero-width, ...): left as they are. */
  uncanonical: { workspaceId: string; profileId: string }[];
}

/**
 * Re-keys an email index by `canonicalEmail`. Pure. Rows that would share a canonical key
 * are a collision: every one of them keeps its key (the one already canonical, if any, stays
 * the one lookups find), and the collision is reported by profile id, for an operator to
 * decide; merging two accounts automatically could hand one person's data to another.
 */
export function planEmailRekey(rows: IndexedEmail[]): RekeyPlan {
  const plan: RekeyPlan = { moves: [], collisions: [], uncanonical: [] };
  const groups = new Map<string, { canonical: string; rows: IndexedEmail[] }>();
  for (const row of rows) {
    const canonical = canonicalEmailOrNull(row.email);
    if (canonical === null) {
      plan.uncanonical.push({ workspaceId: row.workspaceId, profileId: row.profileId });
      continue;
    }
    const group = `${row.workspaceId}\n${canonical}`;
    const existing = groups.get(group) ?? { canonical, rows: [] };
    existing.rows.push(row);
    groups.set(group, existing);
  }
  for (const { canonical, rows: members } of groups.values()) {
    const [first] = members;
    if (members.length > 1) {
      plan.collisions.push({ workspaceId: first!.workspaceId, profileIds: members.map((m) => m.profileId).sort() });
    } else if (first!.key !== canonical) {
      plan.moves.push({ workspaceId: first!.workspaceId, from: first!.key, to: canonical, profileId: first!.profileId });
    }
  }
  return plan;
}
