import type { Envelope } from '../envelope';
import type * as E from './identity.v1.events';

/*
 * One named envelope type per identity event: the roots from which
 * scripts/generate-schemas.mjs writes libs/contracts/schemas/identity.v1/<Type>.schema.json.
 */
export type AnonymousClientCreated = Envelope<'AnonymousClientCreated', E.AnonymousClientCreatedData>;
export type UserRegistered = Envelope<'UserRegistered', E.UserRegisteredData>;
export type EmailConfirmationRequested = Envelope<'EmailConfirmationRequested', E.EmailConfirmationRequestedData>;
export type EmailConfirmed = Envelope<'EmailConfirmed', E.EmailConfirmedData>;
export type SessionOpened = Envelope<'SessionOpened', E.SessionOpenedData>;
export type ExternalIdentityLinked = Envelope<'ExternalIdentityLinked', E.ExternalIdentityLinkedData>;
export type SessionRefreshed = Envelope<'SessionRefreshed', E.SessionRefreshedData>;
export type SessionClosed = Envelope<'SessionClosed', E.SessionClosedData>;
export type AccountUpdated = Envelope<'AccountUpdated', E.AccountUpdatedData>;
export type PasswordChanged = Envelope<'PasswordChanged', E.PasswordChangedData>;
export type PasswordResetRequested = Envelope<'PasswordResetRequested', E.PasswordResetRequestedData>;
export type PasswordResetCompleted = Envelope<'PasswordResetCompleted', E.PasswordResetCompletedData>;
export type SignInFailed = Envelope<'SignInFailed', E.SignInFailedData>;
export type ClientRecognized = Envelope<'ClientRecognized', E.ClientRecognizedData>;
export type ProfileImported = Envelope<'ProfileImported', E.ProfileImportedData>;
export type ProfileErased = Envelope<'ProfileErased', E.ProfileErasedData>;
export type SigningKeyRotated = Envelope<'SigningKeyRotated', E.SigningKeyRotatedData>;
export type EmailChangeRequested = Envelope<'EmailChangeRequested', E.EmailChangeRequestedData>;
export type EmailChanged = Envelope<'EmailChanged', E.EmailChangedData>;
