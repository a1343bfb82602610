import type { Agreements, Attributes, IdentityEvent, IdentityEventType, ProfileFields } from '@idstream/contracts';
import {
  PERSONAL_FIELDS,
  blankProfile,
  type Change,
  type DeviceLinkRow,
  type MergeRow,
  type PersonalFields,
  type ProfileRow,
} from './profile.rows';

/*
 * The profile projection's decisions, as pure functions: which rows an event needs, and
 * which rows it writes given those. The shell (profile.projection.ts) loads, calls, writes.
 *
 * Events of one aggregate arrive in order (one key, one partition); events of different
 * aggregates do not (a device's AnonymousClientCreated and the UserRegistered that links it
 * may land on different partitions). So every effect that crosses aggregates is written
 * to commute: a device link is a register where the latest (occurredAt, event id) wins, a
 * merge one where the earliest wins, and an erasure marks rows `dropped` instead of deleting
 * them. Whatever the interleaving of partitions, the rows end the same: that is what makes
 * a rebuild equal the live model row for row.
 */

/** The read model uses these; every other identity event only advances its stream position. */
export const PROJECTED_TYPES = [
  'AnonymousClientCreated',
  'UserRegistered',
  'EmailConfirmed',
  'SessionOpened',
  'AccountUpdated',
  'EmailChanged',
  'ClientRecognized',
  'ProfileImported',
  'ProfileErased',
] as const satisfies readonly IdentityEventType[];

/** The rows an event reads: profiles and devices by id, plus every link and merge of `ownedBy`. */
export interface Keys {
  profiles: string[];
  devices: string[];
  ownedBy: string[];
}

/** What the shell loaded for `keysOf(event)`. A missing key has no row yet. */
export interface Slice {
  profiles: ReadonlyMap<string, ProfileRow>;
  /** By device uuid; also every device linked to a profile of `ownedBy`. */
  devices: ReadonlyMap<string, DeviceLinkRow>;
  /** By merged (anonymous) profile id, which is the device uuid; also every merge into `ownedBy`. */
  merges: ReadonlyMap<string, MergeRow>;
}

export const emptySlice = (): Slice => ({ profiles: new Map(), devices: new Map(), merges: new Map() });

/** Stale or duplicate: an event is applied only when its sequence is newer than the stream's. */
export function isNewer(appliedSequence: number | undefined, event: { sequence: number }): boolean {
  return appliedSequence === undefined || event.sequence > appliedSequence;
}

export function keysOf(event: IdentityEvent): Keys {
  const none: Keys = { profiles: [], devices: [], ownedBy: [] };
  const withDevice = (profileId: string, uuid: string | null): Keys =>
    uuid ? { profiles: [profileId, uuid], devices: [uuid], ownedBy: [] } : { ...none, profiles: [profileId] };
  switch (event.type) {
    case 'AnonymousClientCreated':
      return { profiles: [event.data.uuid], devices: [event.data.uuid], ownedBy: [] };
    case 'UserRegistered':
    case 'SessionOpened':
      return withDevice(event.data.profileId, event.data.deviceUuid);
    case 'ClientRecognized':
      return withDevice(event.data.profileId, event.data.uuid);
    case 'ProfileImported':
    case 'AccountUpdated':
    case 'EmailConfirmed':
    case 'EmailChanged':
      return { ...none, profiles: [event.data.profileId] };
    case 'ProfileErased':
      return { profiles: [event.data.profileId], devices: [], ownedBy: [event.data.profileId] };
    case 'EmailConfirmationRequested':
    case 'EmailChangeRequested':
    case 'SessionRefreshed':
    case 'SessionClosed':
    case 'PasswordChanged':
    case 'PasswordResetRequested':
    case 'PasswordResetCompleted':
    case 'SignInFailed':
    case 'ExternalIdentityLinked': // the identity (issuer, subject) stays in auth: no read model carries it
    case 'SigningKeyRotated':
      return none;
    default:
      return unknownEvent(event, none);
  }
}

/** The rows `event` writes, given the rows of `keysOf(event)`. Never throws: an event is a fact. */
export function evolve(slice: Slice, event: IdentityEvent): Change[] {
  const { workspaceId, occurredAt } = event;
  switch (event.type) {
    case 'AnonymousClientCreated': {
      const uuid = event.data.uuid;
      if (slice.profiles.has(uuid)) return [];
      const changes: Change[] = [{ table: 'profiles', row: anonymousProfile(workspaceId, uuid, occurredAt, slice.merges.get(uuid)) }];
      // A customer may have linked the device already (its events ran on another partition).
      if (!slice.devices.has(uuid)) {
        changes.push({
          table: 'device_links',
          row: { workspaceId, uuid, profileId: uuid, linkedAt: occurredAt, linkEventId: event.id, dropped: false },
        });
      }
      return changes;
    }
    case 'UserRegistered': {
      const { data } = event;
      const existing = slice.profiles.get(data.profileId);
      if (existing?.status === 'erased') return [];
      // Attached to an imported profile (same id): the registration's fields overlay the imported ones.
      const base = existing ?? newCustomer(workspaceId, data.profileId, occurredAt);
      const row: ProfileRow = {
        ...overlay(base, data.profile),
        kind: 'customer',
        status: data.status,
        email: data.email,
        emailConfirmed: data.emailConfirmed,
        agreements: { ...(base.agreements ?? {}), ...data.agreements },
        attributes: { ...(base.attributes ?? {}), ...data.attributes },
        updatedAt: occurredAt,
      };
      return [{ table: 'profiles', row }, ...linkDevice(slice, event, data.profileId, data.deviceUuid)];
    }
    case 'ProfileImported': {
      const { data } = event;
      const existing = slice.profiles.get(data.profileId);
      if (existing?.status === 'erased') return [];
      const base = existing ?? newCustomer(workspaceId, data.profileId, occurredAt);
      const row: ProfileRow = {
        ...overlay(base, data.profile),
        email: data.email ?? base.email,
        attributes: { ...(base.attributes ?? {}), ...data.attributes },
        updatedAt: occurredAt,
      };
      return [{ table: 'profiles', row }];
    }
    case 'AccountUpdated': {
      const { data } = event;
      const existing = slice.profiles.get(data.profileId);
      if (!existing || existing.status === 'erased') return [];
      const row: ProfileRow = {
        ...overlay(existing, data.changes),
        agreements: mergeRecord(existing.agreements, data.agreements) as Agreements | null,
        attributes: mergeRecord(existing.attributes, data.attributes),
        updatedAt: occurredAt,
      };
      return [{ table: 'profiles', row }];
    }
    case 'EmailConfirmed': {
      const existing = slice.profiles.get(event.data.profileId);
      if (!existing || existing.status === 'erased') return [];
      const status = event.data.activated && existing.status === 'pending-activation' ? 'active' : existing.status;
      return [{ table: 'profiles', row: { ...existing, emailConfirmed: true, status, updatedAt: occurredAt } }];
    }
    case 'EmailChanged': {
      // The row's email moves, and with it the lookup by email (its canonical form is derived on write).
      const existing = slice.profiles.get(event.data.profileId);
      if (!existing || existing.status === 'erased') return [];
      return [{ table: 'profiles', row: { ...existing, email: event.data.email, emailConfirmed: true, updatedAt: occurredAt } }];
    }
    case 'SessionOpened': {
      const { data } = event;
      const existing = slice.profiles.get(data.profileId);
      if (!existing || existing.status === 'erased') return [];
      // A sign-in is not an edit of the profile: updatedAt stays.
      return [
        { table: 'profiles', row: { ...existing, lastSignInAt: occurredAt } },
        ...linkDevice(slice, event, data.profileId, data.deviceUuid),
      ];
    }
    case 'ClientRecognized': {
      const existing = slice.profiles.get(event.data.profileId);
      if (!existing || existing.status === 'erased') return [];
      // `previousProfileId` needs no handling: the newer link simply replaces the device's row.
      return linkDevice(slice, event, event.data.profileId, event.data.uuid);
    }
    case 'ProfileErased': {
      const { profileId, erasedAt } = event.data;
      const existing = slice.profiles.get(profileId);
      if (!existing || existing.status === 'erased') return [];
      const changes: Change[] = [{ table: 'profiles', row: tombstone(existing, erasedAt) }];
      for (const device of slice.devices.values()) {
        if (device.profileId === profileId && !device.dropped) changes.push({ table: 'device_links', row: { ...device, dropped: true } });
      }
      for (const merge of slice.merges.values()) {
        if (merge.intoProfileId === profileId && !merge.dropped)
          changes.push({ table: 'profile_merges', row: { ...merge, dropped: true } });
      }
      return changes;
    }
    case 'EmailConfirmationRequested':
    case 'EmailChangeRequested':
    case 'SessionRefreshed':
    case 'SessionClosed':
    case 'PasswordChanged':
    case 'PasswordResetRequested':
    case 'PasswordResetCompleted':
    case 'SignInFailed':
    case 'ExternalIdentityLinked': // the identity (issuer, subject) stays in auth: no read model carries it
    case 'SigningKeyRotated':
      return [];
    default:
      return unknownEvent(event, []);
  }
}

/**
 * A customer `profileId` links device `uuid`: the device moves to it when this link is
 * newer than the device's current one (an anonymous self-link always yields), and the
 * device's anonymous profile is folded into the first customer that ever linked it.
 */
function linkDevice(slice: Slice, event: IdentityEvent, profileId: string, uuid: string | null): Change[] {
  if (!uuid) return [];
  const { workspaceId, occurredAt: at, id } = event;
  const changes: Change[] = [];
  const current = slice.devices.get(uuid);
  const link: DeviceLinkRow = { workspaceId, uuid, profileId, linkedAt: at, linkEventId: id, dropped: false };
  if (!current || current.profileId === uuid || isLater({ at, id }, { at: current.linkedAt, id: current.linkEventId })) {
    changes.push({ table: 'device_links', row: link });
  }
  const merged = slice.merges.get(uuid);
  if (!merged || isLater({ at: merged.mergedAt, id: merged.mergeEventId }, { at, id })) {
    const merge: MergeRow = {
      workspaceId,
      mergedProfileId: uuid,
      intoProfileId: profileId,
      mergedAt: at,
      mergeEventId: id,
      dropped: false,
    };
    changes.push({ table: 'profile_merges', row: merge });
    const anonymous = slice.profiles.get(uuid);
    if (anonymous && anonymous.kind === 'anonymous' && anonymous.status !== 'erased') {
      changes.push({ table: 'profiles', row: anonymousProfile(workspaceId, uuid, anonymous.createdAt, merge) });
    }
  }
  return changes;
}

/**
 * The anonymous profile of device `uuid`, a function of its creation and its merge only (so
 * the order in which the two arrive does not matter). It holds no personal data.
 */
export function anonymousProfile(workspaceId: string, uuid: string, createdAt: string, merge: MergeRow | undefined): ProfileRow {
  const updatedAt = merge && compareInstants(merge.mergedAt, createdAt) > 0 ? merge.mergedAt : createdAt;
  return blankProfile(
    workspaceId,
    uuid,
    'anonymous',
    merge ? 'merged' : 'anonymous',
    { createdAt, updatedAt, erasedAt: null },
    merge?.intoProfileId ?? null,
  );
}

/** What remains of an erased profile: its id, kind, creation time and erasure. */
export function tombstone(row: ProfileRow, erasedAt: string): ProfileRow {
  return blankProfile(row.workspaceId, row.profileId, row.kind, 'erased', { createdAt: row.createdAt, updatedAt: erasedAt, erasedAt });
}

function newCustomer(workspaceId: string, profileId: string, at: string): ProfileRow {
  return blankProfile(workspaceId, profileId, 'customer', 'imported', { createdAt: at, updatedAt: at, erasedAt: null });
}

/** The row with the fields present in `fields` replaced (absent ones keep their value). */
function overlay(row: ProfileRow, fields: ProfileFields): ProfileRow {
  const next: PersonalFields = { ...row };
  for (const field of PERSONAL_FIELDS) {
    const value = fields[field];
    if (value !== undefined) next[field] = value;
  }
  return { ...row, ...next };
}

/** Changed keys only: merged over the current record; absent means unchanged. */
function mergeRecord(current: Attributes | null, changes: Attributes | undefined): Attributes | null {
  return changes === undefined ? current : { ...(current ?? {}), ...changes };
}

/** Orders two instants given as ISO-8601 (by time, not by text: offsets may differ). */
export function compareInstants(a: string, b: string): number {
  const d = Date.parse(a) - Date.parse(b);
  return Number.isNaN(d) ? a.localeCompare(b) : Math.sign(d);
}

/** `a` comes after `b` in event order: by occurredAt, then by event id (uuid v7 sorts by time). */
export function isLater(a: { at: string; id: string }, b: { at: string; id: string }): boolean {
  const byTime = compareInstants(a.at, b.at);
  return byTime !== 0 ? byTime > 0 : a.id > b.id;
}

/** The compiler proves no type is missed; at run time a type from a newer build changes nothing. */
function unknownEvent<T>(_event: never, nothing: T): T {
  return nothing;
}
