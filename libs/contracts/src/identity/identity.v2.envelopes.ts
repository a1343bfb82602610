import type { Envelope } from '../envelope';
import type * as E from './identity.v1.events';
import type * as S from './identity.v2.events';

/*
 * One named envelope type per identity event, schema version 2 (personal fields sealed):
 * the roots from which scripts/generate-schemas.mjs writes
 * libs/contracts/schemas/identity.v2/<Type>.schema.json. Events without personal fields
 * carry the version-1 data under `schemaVersion: 2`.
 */
export interface SealedEnvelope<TType extends string, TData> extends Envelope<TType, TData> {
  schemaVersion: 2;
}

export type AnonymousClientCreated = SealedEnvelope<'AnonymousClientCreated', E.AnonymousClientCreatedData>;
export type UserRegistered = SealedEnvelope<'UserRegistered', S.UserRegisteredDataV2>;
export type EmailConfirmationRequested = SealedEnvelope<'EmailConfirmationRequested', E.EmailConfirmationRequestedData>;
export type EmailConfirmed = SealedEnvelope<'EmailConfirmed', E.EmailConfirmedData>;
export type SessionOpened = SealedEnvelope<'SessionOpened', E.SessionOpenedData>;
export type SessionRefreshed = SealedEnvelope<'SessionRefreshed', E.SessionRefreshedData>;
export type SessionClosed = SealedEnvelope<'SessionClosed', E.SessionClosedData>;
export type AccountUpdated = SealedEnvelope<'AccountUpdated', S.AccountUpdatedDataV2>;
export type PasswordChanged = SealedEnvelope<'PasswordChanged', E.PasswordChangedData>;
export type PasswordResetRequested = SealedEnvelope<'PasswordResetRequested', E.PasswordResetRequestedData>;
export type PasswordResetCompleted = SealedEnvelope<'PasswordResetCompleted', E.PasswordResetCompletedData>;
export type SignInFailed = SealedEnvelope<'SignInFailed', E.SignInFailedData>;
export type ClientRecognized = SealedEnvelope<'ClientRecognized', E.ClientRecognizedData>;
export type ProfileImported = SealedEnvelope<'ProfileImported', S.ProfileImportedDataV2>;
export type ProfileErased = SealedEnvelope<'ProfileErased', E.ProfileErasedData>;
export type SigningKeyRotated = SealedEnvelope<'SigningKeyRotated', E.SigningKeyRotatedData>;
