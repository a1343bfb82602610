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

/** Synerise's ClientConditionalAuthStatus (the subset the server answers). */
export type ClientConditionalAuthStatus = 'SUCCESS' | 'UNAUTHORIZED' | 'ACTIVATION_REQUIRED' | 'TERMS_ACCEPTANCE_REQUIRED';

export interface ClientConditionalAuthResult {
  status: ClientConditionalAuthStatus;
  conditions: unknown[];
}

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
