import type { Envelope } from '../envelope';
import type * as S from './identity.v2.events';

/*
 * Schema version 2 of the identity events that carry personal fields, now sealed: the roots
 * from which scripts/generate-schemas.mjs writes libs/contracts/schemas/identity.v2/<Type>.schema.json.
 * The schema version is per event type: the other events carry no personal field and stay
 * at version 1, unchanged, so a consumer written against version 1 keeps reading them.
 */
export interface SealedEnvelope<TType extends string, TData> extends Envelope<TType, TData> {
  schemaVersion: 2;
}

export type UserRegistered = SealedEnvelope<'UserRegistered', S.UserRegisteredDataV2>;
export type AccountUpdated = SealedEnvelope<'AccountUpdated', S.AccountUpdatedDataV2>;
export type ProfileImported = SealedEnvelope<'ProfileImported', S.ProfileImportedDataV2>;
