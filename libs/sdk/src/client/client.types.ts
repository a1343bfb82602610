/** The account fields the server keeps (API.md, `POST /v1/accounts` and `GET /v1/account`). */
export interface AccountFields {
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  phone?: string | null;
  customId?: string | null;
  sex?: 'FEMALE' | 'MALE' | 'NOT_SPECIFIED' | 'OTHER' | null;
  birthDate?: string | null;
  company?: string | null;
  address?: string | null;
  city?: string | null;
  province?: string | null;
  zipCode?: string | null;
  countryCode?: string | null;
  agreements?: { email?: boolean; sms?: boolean; push?: boolean; [name: string]: boolean | undefined };
  attributes?: Record<string, unknown>;
}

/** Synerise's ClientRegisterAccountContext. */
export interface RegisterAccountContext extends AccountFields {
  email: string;
  password: string;
}

export interface RegisterAccountResult {
  profileId: string;
  status: 'active' | 'pending-activation';
  emailConfirmed: boolean;
}

/** Synerise's ClientAccountInformation, as the server answers it. */
export interface ClientAccountInformation extends AccountFields {
  profileId: string;
  email: string;
  emailConfirmed: boolean;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

/**
 * Synerise's ClientConditionalAuthStatus (the subset the server answers). `signInConditionally`:
 * SUCCESS, UNAUTHORIZED, ACTIVATION_REQUIRED, TERMS_ACCEPTANCE_REQUIRED. `authenticateConditionally`:
 * SUCCESS, REGISTRATION_REQUIRED when no account holds that identity (nothing was created), or
 * TERMS_ACCEPTANCE_REQUIRED with the names of the workspace's required agreements still to accept.
 */
export type ClientConditionalAuthStatus =
  'SUCCESS' | 'UNAUTHORIZED' | 'ACTIVATION_REQUIRED' | 'REGISTRATION_REQUIRED' | 'TERMS_ACCEPTANCE_REQUIRED';

export interface ClientConditionalAuthResult {
  status: ClientConditionalAuthStatus;
  conditions: unknown[];
}

/**
 * Synerise's ClientIdentityProvider, as the workspace names its providers (`identityProviders`):
 * the presets `google` and `apple`, or a name it configures for another OpenID Connect issuer
 * (lowercase letters, digits, `-` and `_`).
 */
export type ClientIdentityProvider = 'google' | 'apple' | (string & {});

/** Synerise's ClientAuthenticationContext, plus the OpenID Connect nonce. */
export interface ClientAuthenticationContext {
  /** Recorded on the account this sign-in creates (or on the existing one). */
  agreements?: AccountFields['agreements'];
  /** Custom attributes of the account this sign-in creates. */
  attributes?: Record<string, unknown>;
  /** The nonce the app put in its authorization request: the ID token must carry the same one. */
  nonce?: string;
}

/** Synerise's ClientConditionalAuthenticationContext: the same fields (only used once registered). */
export type ClientConditionalAuthenticationContext = ClientAuthenticationContext;

/** What `authenticate` answers (Synerise answers a bare success). */
export interface ClientAuthenticationResult {
  profileId: string;
  /** Whether this sign-in created the account (the first sign-in of an identity no account holds). */
  created: boolean;
}

/** The codes an external sign-in is refused with (`IdstreamError.code`, kind `http`). */
export type ExternalAuthErrorCode =
  /** 401: signature, issuer, audience, expiry or nonce; an unverified email; an account waiting for activation. */
  | 'EXTERNAL_TOKEN_INVALID'
  /** 400: the workspace configures no provider of that name. */
  | 'UNKNOWN_PROVIDER'
  /**
   * 403 (authenticate; authenticateConditionally answers it as a status): the workspace's
   * required agreements are not all accepted; `problem.conditions` names them. Nothing was
   * created or linked: call again with them in `agreements`.
   */
  | 'TERMS_ACCEPTANCE_REQUIRED'
  /** 503: the provider's keys did not answer in time (retry later). */
  | 'PROVIDER_UNAVAILABLE'
  /** 429: too many sign-ins; `retryAfter` says when to try again. */
  | 'TOO_MANY_ATTEMPTS';

/** The factor `deleteAccount` proves the owner with: the password, or the ID token of the linked provider. */
export type ClientAuthFactorProvider = 'IDSTREAM' | ClientIdentityProvider;

export type ClientSignOutMode = 'signOut' | 'signOutWithSessionDestroy';

export interface SignOutOptions {
  /** `signOutWithSessionDestroy` also forgets the device: a new uuid and anonymous token follow. */
  mode?: ClientSignOutMode;
  /** Closes every session of the profile, on every device. */
  fromAllDevices?: boolean;
}

/** Synerise's Token. */
export interface Token {
  tokenString: string;
  expirationDate: Date;
  /** Synerise's TokenOrigin: ANONYMOUS, or IDSTREAM for a signed-in customer (Synerise's SYNERISE). */
  origin: 'ANONYMOUS' | 'IDSTREAM';
  profileId: string | null;
  uuid: string;
}

export interface EventsQuery {
  from: Date | string;
  to?: Date | string;
  types?: string[];
  limit?: number;
  cursor?: string;
}

/** Synerise's ClientEventData, as `GET /v1/account/events` answers it. */
export interface ClientEventData {
  id: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  label?: string;
  params?: Record<string, unknown>;
  uuid: string;
}

export interface EventsPage {
  items: ClientEventData[];
  nextCursor?: string;
}
