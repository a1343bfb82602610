import type * as Public from '@idstream/contracts';

/**
 * The events of the profile aggregate as `auth` STORES them. Some carry what the public
 * events must never carry (password hashes); profile.public.ts maps them to the public
 * `identity.events` form, and drops the private ones.
 */
export type ProfileEvent =
  /** `passwordHash` null: created by an external sign-in, the account has no password. */
  | { type: 'UserRegistered'; data: Public.UserRegisteredData & { passwordHash: string | null } }
  /** `subject` (the provider's `sub`) is private: it identifies a person at the provider. */
  | { type: 'ExternalIdentityLinked'; data: Public.ExternalIdentityLinkedData & { subject: string } }
  | { type: 'ProfileImported'; data: Public.ProfileImportedData }
  | { type: 'EmailConfirmationRequested'; data: Public.EmailConfirmationRequestedData }
  | { type: 'EmailConfirmed'; data: Public.EmailConfirmedData }
  | { type: 'SessionOpened'; data: Public.SessionOpenedData }
  | { type: 'SessionClosed'; data: Public.SessionClosedData }
  | { type: 'SignInFailed'; data: Public.SignInFailedData }
  | { type: 'AccountUpdated'; data: Public.AccountUpdatedData }
  | { type: 'PasswordChanged'; data: Public.PasswordChangedData & { passwordHash: string } }
  /** Private: the same password re-hashed with stronger parameters at sign-in. */
  | { type: 'PasswordRehashed'; data: { profileId: string; passwordHash: string } }
  | { type: 'PasswordResetRequested'; data: Public.PasswordResetRequestedData }
  | { type: 'PasswordResetCompleted'; data: Public.PasswordResetCompletedData & { passwordHash: string } }
  | { type: 'ClientRecognized'; data: Public.ClientRecognizedData }
  | { type: 'ProfileErased'; data: Public.ProfileErasedData }
  /** The new address (and whether another profile held it) stay in auth: the public event has neither. */
  | { type: 'EmailChangeRequested'; data: Public.EmailChangeRequestedData & { newEmail: string; newEmailTaken: boolean } }
  | { type: 'EmailChanged'; data: Public.EmailChangedData };

export type ProfileEventType = ProfileEvent['type'];

/**
 * A stored event whose personal data an erasure removed: its row keeps the type and
 * `{ profileId, redacted: true }`. The loader turns such a row into this form, so that
 * `evolve` can fold an erased stream without reading fields that are gone.
 */
export interface RedactedProfileEvent {
  type: 'Redacted';
  data: { profileId: string; redactedType: string };
}

/** What a profile's stream holds when it is read back: the events, some perhaps redacted. */
export type RecordedProfileEvent = ProfileEvent | RedactedProfileEvent;
