import { PROFILE_FIELD_NAMES, type Agreements, type Attributes } from '@idstream/contracts';

/*
 * The rows of the profile read model, as the pure projection sees them. Times are ISO-8601
 * strings taken from the events (never the clock), so a replay writes identical rows.
 */

export type ProfileKind = 'anonymous' | 'customer';

/**
 * `anonymous`: a device's profile; `merged`: an anonymous profile folded into a customer;
 * `imported`: a customer a backend created without an account; `active` /
 * `pending-activation`: a customer with an account; `erased`: a tombstone.
 */
export type ProfileStatus = 'anonymous' | 'merged' | 'imported' | 'active' | 'pending-activation' | 'erased';

/** The personal fields, in the order of the contract; the column of each is its snake_case name. */
export const PERSONAL_FIELDS = PROFILE_FIELD_NAMES;

export type PersonalField = (typeof PERSONAL_FIELDS)[number];
export type PersonalFields = { [K in PersonalField]: string | null };

export interface ProfileRow extends PersonalFields {
  workspaceId: string;
  profileId: string;
  kind: ProfileKind;
  status: ProfileStatus;
  email: string | null;
  emailConfirmed: boolean;
  agreements: Agreements | null;
  attributes: Attributes | null;
  /** For a merged anonymous profile: the customer it was folded into. */
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
  lastSignInAt: string | null;
  erasedAt: string | null;
}

/** Which profile a device resolves to. Ordered by (linkedAt, linkEventId): the latest link wins. */
export interface DeviceLinkRow {
  workspaceId: string;
  uuid: string;
  profileId: string;
  linkedAt: string;
  linkEventId: string;
  /** The profile was erased: the device resolves to nothing, but the link's order is kept. */
  dropped: boolean;
}

/** An anonymous profile folded into a customer. Ordered like links: the earliest customer wins. */
export interface MergeRow {
  workspaceId: string;
  mergedProfileId: string;
  intoProfileId: string;
  mergedAt: string;
  mergeEventId: string;
  dropped: boolean;
}

/** One row to write (insert or replace by primary key). */
export type Change =
  { table: 'profiles'; row: ProfileRow } | { table: 'device_links'; row: DeviceLinkRow } | { table: 'profile_merges'; row: MergeRow };

/**
 * A profile row of the given identity with every personal field null, no email, agreements or
 * attributes, as one object literal. Spreading a fresh object into a row (`{ ...fields(), ... }`)
 * cost V8 up to 100 µs a row (every such row took its own slow path): anonymous profiles are
 * one per device of a replay, so they are built here in one shape. The compiler checks that
 * the literal names every field of ProfileRow, so a field added to the contract breaks the build here.
 */
export function blankProfile(
  workspaceId: string,
  profileId: string,
  kind: ProfileKind,
  status: ProfileStatus,
  times: { createdAt: string; updatedAt: string; erasedAt: string | null },
  mergedInto: string | null = null,
): ProfileRow {
  return {
    firstName: null,
    lastName: null,
    displayName: null,
    phone: null,
    customId: null,
    sex: null,
    birthDate: null,
    company: null,
    address: null,
    city: null,
    province: null,
    zipCode: null,
    countryCode: null,
    workspaceId,
    profileId,
    kind,
    status,
    email: null,
    emailConfirmed: false,
    agreements: null,
    attributes: null,
    mergedInto,
    createdAt: times.createdAt,
    updatedAt: times.updatedAt,
    lastSignInAt: null,
    erasedAt: times.erasedAt,
  };
}

/** camelCase field → snake_case column. */
export const columnOf = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
