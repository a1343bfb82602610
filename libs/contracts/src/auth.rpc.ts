import type {
  Agreements,
  Attributes,
  ProfileFields,
  PublicSigningJwk,
  RegistrationMode,
  SessionCloseReason,
  TokenAlgorithm,
} from './identity/identity.v1.events';

/**
 * Commands and queries the gateway sends to `auth` over Nest's TCP transport. Every handler
 * answers `Reply<T>` (rpc.ts): errors are data with a stable code, mapped to HTTP by the
 * gateway's problem+json filter. The gateway verifies tokens itself; it passes the verified
 * claims it needs (`caller`) so auth never re-parses a token.
 */
export const AuthPatterns = {
  createAnonymous: 'auth.anonymous.create',
  register: 'auth.accounts.register',
  confirmEmail: 'auth.accounts.confirm',
  resendConfirmation: 'auth.accounts.confirm.resend',
  activatePin: 'auth.accounts.activate-pin',
  resendActivationPin: 'auth.accounts.activate-pin.resend',
  signIn: 'auth.sessions.sign-in',
  signInExternal: 'auth.sessions.sign-in-external',
  refresh: 'auth.sessions.refresh',
  signOut: 'auth.sessions.sign-out',
  signOutEverywhere: 'auth.sessions.sign-out-everywhere',
  getAccount: 'auth.account.get',
  updateAccount: 'auth.account.update',
  changePassword: 'auth.account.password.change',
  requestEmailChange: 'auth.account.email-change.request',
  confirmEmailChange: 'auth.account.email-change.confirm',
  requestPasswordReset: 'auth.password-reset.request',
  confirmPasswordReset: 'auth.password-reset.confirm',
  authenticateServerKey: 'auth.workspaces.authenticate-server-key',
  createWorkspace: 'auth.workspaces.create',
  updateWorkspace: 'auth.workspaces.update',
  listWorkspaceOrigins: 'auth.workspaces.origins',
  listWorkspaceTokenAlgorithms: 'auth.workspaces.token-algorithms',
  importProfile: 'auth.backend.profiles.import',
  recognizeClient: 'auth.backend.clients.recognize',
  eraseProfile: 'auth.backend.profiles.erase',
  revokeSessions: 'auth.backend.profiles.sessions.revoke',
  deleteAccount: 'auth.account.delete',
  jwks: 'auth.keys.jwks',
  /** The key service: profiles' data keys for consumers that open sealed fields (a credential, not the gateway). */
  dataKeys: 'auth.keys.data-keys',
} as const;

/**
 * A consumer asks for the data keys of the profiles in a batch of sealed events
 * (docs/architecture.md "Erasure"). `credential` is IDSTREAM_KEY_SERVICE_SECRET.
 */
export interface DataKeysQuery {
  credential: string;
  /** At most DATA_KEYS_MAX_PROFILES distinct ids. */
  profileIds: string[];
}

export const DATA_KEYS_MAX_PROFILES = 1000;

/** Each profile's data key (base64url), or null: no key, or destroyed by the profile's erasure. */
export interface DataKeysResult {
  keys: Record<string, string | null>;
}

/** Who calls, from a token the gateway verified. */
export interface Caller {
  workspaceId: string;
  /** Profile id for customers, the device uuid for anonymous callers. */
  subject: string;
  uuid: string;
  role: 'anonymous' | 'customer';
  sessionId: string;
  tokenId: string;
}

/** Request metadata the gateway adds to every command. */
export interface RequestMeta {
  requestId: string;
  ip: string;
  /**
   * W3C trace context of the gateway's request span, when tracing (absent otherwise); its
   * flags carry the gateway's sampling decision, which auth keeps (00: auth records nothing).
   */
  traceparent?: string;
}

export interface IssuedToken {
  token: string;
  /** ISO-8601. */
  expiresAt: string;
}

export interface PasswordPolicySettings {
  minLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
}

export interface WorkspaceSettings {
  name: string;
  registrationMode: RegistrationMode;
  accessTokenTtlSeconds: number;
  sessionMaxLifetimeSeconds: number;
  passwordPolicy: PasswordPolicySettings;
  /**
   * Registrations whose email's local part is confusable (mixed scripts, or a look-alike of an
   * ASCII address): `refuse` answers 400 EMAIL_CONFUSABLE; `flag` registers and records
   * `emailConfusable` on UserRegistered. Default `refuse`.
   */
  emailConfusables: EmailConfusablesPolicy;
  /** Exact browser origins CORS allows for this workspace's client key and tokens (default none). */
  allowedOrigins: string[];
  /** OpenID Connect providers whose ID tokens sign in to this workspace (default none). */
  identityProviders?: IdentityProviderSettings[];
  /** Agreement names a profile must have accepted (`true`) to sign in, else TERMS_ACCEPTANCE_REQUIRED (default none). */
  requiredAgreements: string[];
  /**
   * The JWS algorithm of this workspace's access tokens (default `EdDSA`). After a change, new
   * tokens use the new one; tokens issued before keep verifying until they expire.
   */
  tokenAlgorithm: TokenAlgorithm;
}

/**
 * One external identity provider. `google` and `apple` are presets: their issuer is known and
 * only `clientIds` is needed. Without `jwksUri`, the keys are found by OpenID Connect discovery
 * (`<issuer>/.well-known/openid-configuration`).
 */
export interface IdentityProviderSettings {
  name: string;
  issuer?: string;
  /** The accepted audiences (`aud`) of the provider's ID tokens: this app's client ids there. */
  clientIds: string[];
  jwksUri?: string;
}

export const TOKEN_ALGORITHM_NAMES: readonly TokenAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

export type EmailConfusablesPolicy = 'refuse' | 'flag';
export const EMAIL_CONFUSABLES_POLICIES: readonly EmailConfusablesPolicy[] = ['refuse', 'flag'];

// ---- client API -------------------------------------------------------------------------

export interface CreateAnonymousCommand {
  meta: RequestMeta;
  apiKey: string;
  /** Generated by auth (v4) when absent. */
  uuid?: string;
}
export type CreateAnonymousResult = IssuedToken & { uuid: string; workspaceId: string };

export interface RegisterCommand {
  meta: RequestMeta;
  caller: Caller;
  email: string;
  password: string;
  profile: ProfileFields;
  agreements: Agreements;
  attributes: Attributes;
}
export interface RegisterResult {
  profileId: string;
  status: 'active' | 'pending-activation';
  emailConfirmed: boolean;
  position: string;
}

export interface ConfirmEmailCommand {
  meta: RequestMeta;
  token: string;
}

export interface ResendConfirmationCommand {
  meta: RequestMeta;
  caller: Caller;
  email: string;
}

/** POST /v1/accounts/activate-pin: the caller is the anonymous device the PIN was mailed for. */
export interface ActivatePinCommand {
  meta: RequestMeta;
  caller: Caller;
  email: string;
  pin: string;
}

export interface ResendActivationPinCommand {
  meta: RequestMeta;
  caller: Caller;
  email: string;
}

/**
 * How the owner proves, again, that it is them before an erasure or an email change: the
 * password, or (a profile with a linked external identity) a fresh ID token of the linked
 * provider. Exactly one of the two; the gateway refuses a body with both or neither.
 */
export interface OwnerProof {
  password?: string;
  externalToken?: string;
}

/** POST /v1/account/email-change (requestEmailChange). */
export interface RequestEmailChangeCommand extends OwnerProof {
  meta: RequestMeta;
  caller: Caller;
  newEmail: string;
}

/** POST /v1/account/email-change/confirm (confirmEmailChange): the token alone says whose email. */
export interface ConfirmEmailChangeCommand {
  meta: RequestMeta;
  token: string;
  newsletterAgreement?: boolean;
}

export interface SignInCommand {
  meta: RequestMeta;
  caller: Caller;
  email: string;
  password: string;
  /**
   * Agreements accepted with this sign-in (recorded as AccountUpdated before the session
   * opens, once the password is verified): how a profile told TERMS_ACCEPTANCE_REQUIRED gets in.
   */
  agreements?: Agreements;
}
export type SignInResult = IssuedToken & { profileId: string };

/** POST /v1/auth/external: a sign-in with an ID token of one of the workspace's identity providers. */
export interface SignInExternalCommand {
  meta: RequestMeta;
  caller: Caller;
  provider: string;
  idToken: string;
  nonce?: string;
  /** Creates nothing: a sign-in that would create an account answers REGISTRATION_REQUIRED. */
  conditional: boolean;
  profile: ProfileFields;
  agreements: Agreements;
  attributes: Attributes;
}
/** Without a token (conditional only): REGISTRATION_REQUIRED, or TERMS_ACCEPTANCE_REQUIRED with the agreement names to accept. */
export type SignInExternalResult =
  | (IssuedToken & { status: 'SUCCESS'; profileId: string; created: boolean })
  | { status: 'REGISTRATION_REQUIRED' | 'TERMS_ACCEPTANCE_REQUIRED'; conditions: string[] };

export interface RefreshCommand {
  meta: RequestMeta;
  caller: Caller;
}

export interface SignOutCommand {
  meta: RequestMeta;
  caller: Caller;
}

/** DELETE /v1/account: the owner's erasure, after the password or a fresh ID token of the linked provider. */
export interface DeleteAccountCommand extends OwnerProof {
  meta: RequestMeta;
  caller: Caller;
}

/** POST /v1/backend/profiles/{id}/sessions/revoke: every session closed with reason `admin`. */
export interface RevokeSessionsCommand {
  meta: RequestMeta;
  workspaceId: string;
  profileId: string;
}

/** The account as the client sees it: never any password data. */
export interface AccountView extends Required<{ [K in keyof ProfileFields]: ProfileFields[K] | null }> {
  profileId: string;
  email: string;
  emailConfirmed: boolean;
  status: 'active' | 'pending-activation';
  agreements: Agreements;
  attributes: Attributes;
  createdAt: string;
  updatedAt: string;
}

export interface GetAccountQuery {
  meta: RequestMeta;
  caller: Caller;
}

export interface UpdateAccountCommand {
  meta: RequestMeta;
  caller: Caller;
  changes: ProfileFields;
  agreements?: Agreements;
  attributes?: Attributes;
}

export interface ChangePasswordCommand {
  meta: RequestMeta;
  caller: Caller;
  currentPassword: string;
  newPassword: string;
}

export interface RequestPasswordResetCommand {
  meta: RequestMeta;
  caller: Caller | null;
  email: string;
}

export interface ConfirmPasswordResetCommand {
  meta: RequestMeta;
  token: string;
  password: string;
}

export interface JwksResult {
  keys: PublicSigningJwk[];
}

// ---- backend and admin API ----------------------------------------------------------------

export interface AuthenticateServerKeyQuery {
  serverKey: string;
}
export interface AuthenticateServerKeyResult {
  workspaceId: string;
}

/** A settings change: any field, and any subset of the password policy (merged into the current one). */
export type WorkspaceSettingsPatch = Partial<Omit<WorkspaceSettings, 'passwordPolicy'>> & {
  passwordPolicy?: Partial<PasswordPolicySettings>;
};

export interface CreateWorkspaceCommand {
  meta: RequestMeta;
  settings: WorkspaceSettingsPatch;
}
export interface CreateWorkspaceResult {
  workspaceId: string;
  clientApiKey: string;
  /** Shown once: auth stores only its hash. */
  serverKey: string;
  settings: WorkspaceSettings;
}

export interface UpdateWorkspaceCommand {
  meta: RequestMeta;
  workspaceId: string;
  settings: WorkspaceSettingsPatch;
}

/** The gateway's CORS view: every workspace that allows at least one browser origin. */
export interface WorkspaceOriginsResult {
  workspaces: { workspaceId: string; clientApiKey: string; allowedOrigins: string[] }[];
}

/**
 * The verifiers' pin (docs/architecture.md §7): a token of a workspace verifies when signed with
 * its tokenAlgorithm, or with `previous.tokenAlgorithm` when issued before `previous.changedAt`.
 */
export interface WorkspaceTokenAlgorithmsResult {
  workspaces: {
    workspaceId: string;
    tokenAlgorithm: TokenAlgorithm;
    previous: { tokenAlgorithm: TokenAlgorithm; changedAt: string } | null;
  }[];
}

export type WorkspaceTokenAlgorithm = WorkspaceTokenAlgorithmsResult['workspaces'][number];

/**
 * The pin itself, the same in every verifier (gateway, introspection, ingester): a token of the
 * workspace issued at `iat` (seconds) may be signed with `alg` when it is the workspace's
 * algorithm, or the previous one for a token issued before the change. Unknown workspace: no.
 */
export function workspaceAcceptsAlgorithm(entry: WorkspaceTokenAlgorithm | undefined, alg: TokenAlgorithm, iat: number): boolean {
  if (!entry) return false;
  if (entry.tokenAlgorithm === alg) return true;
  const previous = entry.previous;
  return previous !== null && previous.tokenAlgorithm === alg && iat * 1000 <= Date.parse(previous.changedAt);
}

export interface ImportProfileCommand {
  meta: RequestMeta;
  workspaceId: string;
  email?: string;
  profile: ProfileFields;
  attributes: Attributes;
}
export interface ImportProfileResult {
  profileId: string;
  created: boolean;
  position: string;
}

export interface RecognizeClientCommand {
  meta: RequestMeta;
  workspaceId: string;
  uuid: string;
  email?: string;
  customId?: string;
  profileId?: string;
}
export interface RecognizeClientResult {
  profileId: string;
  uuid: string;
  position: string;
}

export interface EraseProfileCommand {
  meta: RequestMeta;
  workspaceId: string;
  profileId: string;
}
export interface EraseProfileResult {
  position: string;
}

/** Sessions a command closed: the gateway revokes them at once, before SessionClosed arrives from Kafka. */
export interface ClosedSession {
  sessionId: string;
  /** Why it was closed (SessionCloseReason): the gateway answers it with TOKEN_REVOKED. */
  reason?: SessionCloseReason;
  /** ISO-8601. */
  closedAt: string;
  /** ISO-8601: the last token of the session has expired by then. */
  forgetAfter: string;
}
export interface ClosedSessionsResult {
  closedSessions: ClosedSession[];
}
