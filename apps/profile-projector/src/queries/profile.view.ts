import type { Agreements, Attributes } from '@idstream/contracts';
import { PERSONAL_FIELDS, type PersonalFields, type ProfileKind, type ProfileRow, type ProfileStatus } from '../projection/profile.rows';

/**
 * The profile read model as backend queries return it (`GET /v1/backend/profiles/...`):
 * null for absent fields; an erased profile is a tombstone (id, kind, status `erased`,
 * createdAt, updatedAt, erasedAt; everything else null or empty).
 */
export interface ProfileView extends PersonalFields {
  profileId: string;
  kind: ProfileKind;
  status: ProfileStatus;
  email: string | null;
  emailConfirmed: boolean;
  agreements: Agreements | null;
  attributes: Attributes | null;
  /** Devices that resolve to this profile now. */
  uuids: string[];
  /** Anonymous profiles folded into this one. */
  mergedProfileIds: string[];
  /** For a merged anonymous profile: the customer it was folded into. */
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
  lastSignInAt: string | null;
  erasedAt: string | null;
}

/** Explicit mapping from the row to the response: nothing internal (workspace) leaks. */
export function toProfileView(row: ProfileRow, uuids: string[], mergedProfileIds: string[]): ProfileView {
  const fields = Object.fromEntries(PERSONAL_FIELDS.map((f) => [f, row[f]])) as PersonalFields;
  return {
    profileId: row.profileId,
    kind: row.kind,
    status: row.status,
    email: row.email,
    emailConfirmed: row.emailConfirmed,
    ...fields,
    agreements: row.agreements,
    attributes: row.attributes,
    uuids,
    mergedProfileIds,
    mergedInto: row.mergedInto,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastSignInAt: row.lastSignInAt,
    erasedAt: row.erasedAt,
  };
}
