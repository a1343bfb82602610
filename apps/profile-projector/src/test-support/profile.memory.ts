import type { IdentityEvent } from '@idstream/contracts';
import { evolve, isNewer, keysOf, type Slice } from '../projection/profile.evolve';
import type { DeviceLinkRow, MergeRow, ProfileRow } from '../projection/profile.rows';

/**
 * The profile read model in memory: the same decisions as the SQL shell (load the keys'
 * rows, skip stale sequences, evolve, write). Tests use it as the oracle the database
 * must equal; it never runs in production.
 */
export class MemoryProfileModel {
  readonly profiles = new Map<string, ProfileRow>();
  readonly devices = new Map<string, DeviceLinkRow>();
  readonly merges = new Map<string, MergeRow>();
  readonly positions = new Map<string, { sequence: number; eventId: string }>();

  apply(event: IdentityEvent): 'applied' | 'stale' {
    const ws = event.workspaceId;
    const at = `${ws}/${event.aggregateId}`;
    if (!isNewer(this.positions.get(at)?.sequence, event)) return 'stale';
    const keys = keysOf(event);
    const slice: Slice = {
      profiles: pick(this.profiles, ws, keys.profiles),
      devices: new Map(
        [...this.devices.values()]
          .filter((d) => d.workspaceId === ws && (keys.devices.includes(d.uuid) || keys.ownedBy.includes(d.profileId)))
          .map((d) => [d.uuid, d]),
      ),
      merges: new Map(
        [...this.merges.values()]
          .filter((m) => m.workspaceId === ws && (keys.devices.includes(m.mergedProfileId) || keys.ownedBy.includes(m.intoProfileId)))
          .map((m) => [m.mergedProfileId, m]),
      ),
    };
    for (const change of evolve(slice, event)) {
      switch (change.table) {
        case 'profiles':
          this.profiles.set(`${ws}/${change.row.profileId}`, change.row);
          break;
        case 'device_links':
          this.devices.set(`${ws}/${change.row.uuid}`, change.row);
          break;
        case 'profile_merges':
          this.merges.set(`${ws}/${change.row.mergedProfileId}`, change.row);
          break;
      }
    }
    this.positions.set(at, { sequence: event.sequence, eventId: event.id });
    return 'applied';
  }

  applyAll(events: IdentityEvent[]): this {
    for (const event of events) this.apply(event);
    return this;
  }

  profile(workspaceId: string, profileId: string): ProfileRow | undefined {
    return this.profiles.get(`${workspaceId}/${profileId}`);
  }

  /** Devices resolving to the profile now, in link order. */
  uuidsOf(workspaceId: string, profileId: string): string[] {
    return [...this.devices.values()]
      .filter((d) => d.workspaceId === workspaceId && d.profileId === profileId && !d.dropped)
      .sort((a, b) => Date.parse(a.linkedAt) - Date.parse(b.linkedAt) || a.uuid.localeCompare(b.uuid))
      .map((d) => d.uuid);
  }

  mergedInto(workspaceId: string, profileId: string): string[] {
    return [...this.merges.values()]
      .filter((m) => m.workspaceId === workspaceId && m.intoProfileId === profileId && !m.dropped)
      .sort((a, b) => Date.parse(a.mergedAt) - Date.parse(b.mergedAt) || a.mergedProfileId.localeCompare(b.mergedProfileId))
      .map((m) => m.mergedProfileId);
  }

  /** Every row, sorted: two models are equal when their snapshots are. */
  snapshot(): { profiles: ProfileRow[]; devices: DeviceLinkRow[]; merges: MergeRow[]; positions: [string, number, string][] } {
    const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
    return {
      profiles: sorted(this.profiles),
      devices: sorted(this.devices),
      merges: sorted(this.merges),
      positions: [...this.positions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.sequence, v.eventId]),
    };
  }
}

function pick<T>(rows: Map<string, T>, workspaceId: string, ids: string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const id of ids) {
    const row = rows.get(`${workspaceId}/${id}`);
    if (row) out.set(id, row);
  }
  return out;
}
