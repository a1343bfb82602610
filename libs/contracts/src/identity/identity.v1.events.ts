/*
 * The public identity events, version 1: what `auth` publishes on `identity.events`.
 * No secret ever appears here: no password, no hash, no confirmation, activation or
 * reset token. Schemas in libs/contracts/schemas are generated from these types
 * (`npm run contracts:schemas`); a test fails when the two disagree. Fields are only ever
 * added within a version, never removed or retyped.
 */

export type RegistrationMode = 'automatic' | 'email-confirmation' | 'email-activation' | 'email-pin-activation';
export type AccountStatus = 'active' | 'pending-activation';
/**
 * Why a session was closed (API.md): `sign-out` (this device), `sign-out-all` (the customer
 * signed out from every device), `password-changed`, `password-reset`, `erased` (the backend
 * erased the profile), `account-deleted` (its owner deleted the account), `expired` (reserved:
 * a session past its lifetime is refused without a close event today), `admin` (the backend
 * revoked every session).
 */
export type SessionCloseReason =
  'sign-out' | 'sign-out-all' | 'password-changed' | 'password-reset' | 'erased' | 'account-deleted' | 'expired' | 'admin';

/** Consent flags of a customer (e.g. `{ email: true, sms: false }`). */
export type Agreements = Record<string, boolean>;
/** Free-form customer attributes set by the app or the backend. */
export type Attributes = Record<string, unknown>;

/** The personal fields of a customer profile; every one is optional. */
export interface ProfileFields {
  firstName?: string;
  lastName?: string;
  displayName?: string;
  phone?: string;
  customId?: string;
  sex?: string;
  /** ISO date, YYYY-MM-DD. */
  birthDate?: string;
  company?: string;
  address?: string;
  city?: string;
  province?: string;
  zipCode?: string;
  countryCode?: string;
}

/** Every field of ProfileFields, in contract order: for code that walks them (diffs, columns). */
export const PROFILE_FIELD_NAMES = [
  'firstName',
  'lastName',
  'displayName',
  'phone',
  'customId',
  'sex',
  'birthDate',
  'company',
  'address',
  'city',
  'province',
  'zipCode',
  'countryCode',
] as const satisfies readonly (keyof ProfileFields)[];

/** A device seen for the first time in a workspace. Aggregate: the device uuid. */
export interface AnonymousClientCreatedData {
  uuid: string;
}

/** A customer registered an account. Aggregate: the profile id. */
export interface UserRegisteredData {
  profileId: string;
  email: string;
  profile: ProfileFields;
  agreements: Agreements;
  attributes: Attributes;
  /** The device that registered, when it was an SDK with an anonymous token. */
  deviceUuid: string | null;
  registrationMode: RegistrationMode;
  status: AccountStatus;
  emailConfirmed: boolean;
  /** True when the email belonged to a profile a backend had imported: the account attaches to it. */
  attachedToImportedProfile: boolean;
  /**
   * Present when the email's local part could pass for another address (mixed scripts, or a
   * look-alike of an ASCII address) and the workspace's `emailConfusables` setting is `flag`.
   */
  emailConfusable?: 'mixed-script' | 'ascii-lookalike';
}

/** A confirmation or activation mail was queued (its token or PIN travels only in the mail). */
export interface EmailConfirmationRequestedData {
  profileId: string;
  /** `pin-activation`: a 6-digit PIN, usable only from `deviceUuid` (mode `email-pin-activation`). */
  purpose: 'confirmation' | 'activation' | 'pin-activation';
  /** The device a PIN is bound to (the anonymous token's uuid); only with `pin-activation`. */
  deviceUuid?: string | null;
  /** ISO-8601. */
  expiresAt: string;
}

export interface EmailConfirmedData {
  profileId: string;
  /** True when confirming also activated the account (`email-activation` mode). */
  activated: boolean;
}

export interface SessionOpenedData {
  profileId: string;
  sessionId: string;
  /** The device signing in: from then on its events resolve to this profile. */
  deviceUuid: string | null;
  /** ISO-8601: the session's max lifetime ends here, whatever the refreshes. */
  expiresAt: string;
  /** How the caller proved who they are; absent on events written before it was recorded (a password). */
  method?: 'password' | 'external';
}

/**
 * A profile now signs in with an identity of an external OpenID Connect provider: the pair
 * (issuer, subject) belongs to this profile alone in its workspace.
 */
export interface ExternalIdentityLinkedData {
  profileId: string;
  /** The workspace's name of the provider (`google`, `apple`, or the configured name). */
  provider: string;
  issuer: string;
  // The provider's id of the user (`sub`) stays in auth: it identifies a person at the provider.
  /** How the identity was attached: to a new profile, or to an existing one by its verified email. */
  linkedBy: 'created' | 'verified-email';
}

export interface SessionRefreshedData {
  profileId: string;
  sessionId: string;
  tokenId: string;
  /** ISO-8601 expiry of the new token. */
  tokenExpiresAt: string;
}

export interface SessionClosedData {
  profileId: string;
  sessionId: string;
  reason: SessionCloseReason;
  /** ISO-8601: tokens of this session issued before this instant are rejected from now on. */
  closedAt: string;
  /** ISO-8601: the session's last token expires by then, so revocation views may forget it after. */
  forgetAfter: string;
}

/** Changed fields only. */
export interface AccountUpdatedData {
  profileId: string;
  changes: ProfileFields;
  agreements?: Agreements;
  attributes?: Attributes;
}

export interface PasswordChangedData {
  profileId: string;
}

export interface PasswordResetRequestedData {
  profileId: string;
  /** ISO-8601. */
  expiresAt: string;
}

export interface PasswordResetCompletedData {
  profileId: string;
}

export interface SignInFailedData {
  /** Null when no account has the email (the email itself is not published). */
  profileId: string | null;
  reason: 'invalid-credentials' | 'not-activated' | 'erased';
}

/** A trusted backend linked a device to a known customer. Aggregate: the profile id. */
export interface ClientRecognizedData {
  profileId: string;
  uuid: string;
  matchedBy: 'email' | 'customId' | 'profileId';
  /** The customer the device was linked to before, when it moved (see docs/architecture.md). */
  previousProfileId: string | null;
}

export interface ProfileImportedData {
  profileId: string;
  email: string | null;
  profile: ProfileFields;
  attributes: Attributes;
  /** False when the import updated an existing profile (upsert). */
  created: boolean;
}

/** A signed-in customer asked (with their password) to change their email; the addresses stay inside auth. */
export interface EmailChangeRequestedData {
  profileId: string;
  /** ISO-8601: the mailed token's expiry. */
  expiresAt: string;
}

/** The mailed token confirmed the new email: it is the account's email from now on, and confirmed. */
export interface EmailChangedData {
  profileId: string;
  previousEmail: string;
  email: string;
}

export interface ProfileErasedData {
  profileId: string;
  /** ISO-8601. */
  erasedAt: string;
}

/** The JWS algorithms a workspace may sign its access tokens with. */
export type TokenAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** A public signing key as a JWK, with its one `alg` and `use: "sig"`. Never a private key. */
export type PublicSigningJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' }
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }
  | { kty: 'RSA'; n: string; e: string; kid: string; alg: 'RS256'; use: 'sig' };

/** Keys rotate per algorithm: `previousKid` is the previous key of the same `publicJwk.alg`. */
export interface SigningKeyRotatedData {
  kid: string;
  publicJwk: PublicSigningJwk;
  /** The key of this algorithm that signed until now; it keeps verifying until `previousValidUntil`. */
  previousKid: string | null;
  /** ISO-8601. */
  previousValidUntil: string | null;
}

/** Event type name → data type. The single list the union, the schemas and the guards derive from. */
export interface IdentityEventDataMap {
  AnonymousClientCreated: AnonymousClientCreatedData;
  UserRegistered: UserRegisteredData;
  EmailConfirmationRequested: EmailConfirmationRequestedData;
  EmailConfirmed: EmailConfirmedData;
  SessionOpened: SessionOpenedData;
  ExternalIdentityLinked: ExternalIdentityLinkedData;
  SessionRefreshed: SessionRefreshedData;
  SessionClosed: SessionClosedData;
  AccountUpdated: AccountUpdatedData;
  PasswordChanged: PasswordChangedData;
  PasswordResetRequested: PasswordResetRequestedData;
  PasswordResetCompleted: PasswordResetCompletedData;
  SignInFailed: SignInFailedData;
  ClientRecognized: ClientRecognizedData;
  ProfileImported: ProfileImportedData;
  ProfileErased: ProfileErasedData;
  SigningKeyRotated: SigningKeyRotatedData;
  EmailChangeRequested: EmailChangeRequestedData;
  EmailChanged: EmailChangedData;
}

export type IdentityEventType = keyof IdentityEventDataMap;

export const IDENTITY_EVENT_TYPES: readonly IdentityEventType[] = [
  'AnonymousClientCreated',
  'UserRegistered',
  'EmailConfirmationRequested',
  'EmailConfirmed',
  'SessionOpened',
  'ExternalIdentityLinked',
  'SessionRefreshed',
  'SessionClosed',
  'AccountUpdated',
  'PasswordChanged',
  'PasswordResetRequested',
  'PasswordResetCompleted',
  'SignInFailed',
  'ClientRecognized',
  'ProfileImported',
  'ProfileErased',
  'SigningKeyRotated',
  'EmailChangeRequested',
  'EmailChanged',
];

export const IDENTITY_SCHEMA_VERSION = 1;
