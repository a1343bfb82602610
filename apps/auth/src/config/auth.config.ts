import { parseMasterKeys, type MasterKeys } from '@idstream/crypto';
import { allowedOriginsProblem } from '@idstream/contracts';
import {
  ConfigError,
  loadConfigOrExit,
  readCommonConfig,
  readInt,
  readOptional,
  readPort,
  readSecret,
  readString,
  readUrl,
  type CommonConfig,
} from '@idstream/runtime';

export interface AuthConfig extends CommonConfig {
  httpPort: number;
  tcpPort: number;
  /** `iss` of every token; the gateway and the ingester pin the same value. */
  tokenIssuer: string;
  /** Upper bound of any workspace's access-token TTL: revocation views replay this window. */
  maxAccessTokenTtlSeconds: number;
  signingKeyRotationDays: number;
  confirmationTokenTtlSeconds: number;
  resetTokenTtlSeconds: number;
  signIn: { maxFailures: number; windowSeconds: number };
  /**
   * External identity providers' keys: each HTTP request to a provider is abandoned after
   * `timeoutMs` (kept under the gateway's GATEWAY_REQUEST_TIMEOUT_MS, so the caller gets 503
   * PROVIDER_UNAVAILABLE rather than the gateway's own timeout).
   */
  providerKeys: {
    timeoutMs: number;
    maxAgeMs: number;
    refetchCooldownMs: number;
    maxIssuers: number;
    /** A provider's breaker opens after this many failed fetches in a row, for breakerOpenMs. */
    breakerFailures: number;
    breakerOpenMs: number;
  };
  /** Mails per email (and per IP ×10) per hour for resend and password reset. */
  mailRequestsPerHour: number;
  mail: {
    /** smtp(s)://user:pass@host:port; when unset, mails are written as .eml files into `dir`. */
    smtpUrl: string | undefined;
    from: string;
    dir: string;
    /** Link template in mails; `{token}` is replaced. */
    confirmUrl: string;
    resetUrl: string;
  };
  /** allowedOrigins, when set, replaces the default workspace's list at every start. */
  defaultWorkspace: { clientApiKey: string | undefined; serverKey: string | undefined; allowedOrigins: string[] | undefined };
  /** IDSTREAM_MASTER_KEYS: the master keys that wrap the profiles' data keys, the first current. */
  masterKeys: MasterKeys;
  /** IDSTREAM_KEY_SERVICE_SECRET: the credential a consumer shows to get data keys (`AuthPatterns.dataKeys`). */
  keyServiceSecret: string;
}

/** No default, on purpose: a key that ships with the code protects nothing (scripts/start.sh sets a development one). */
export function readMasterKeys(env: Record<string, string | undefined>): MasterKeys {
  const raw = readString(env, 'IDSTREAM_MASTER_KEYS');
  try {
    return parseMasterKeys(raw);
  } catch (error) {
    throw new ConfigError('IDSTREAM_MASTER_KEYS', (error as Error).message);
  }
}

/** The only reader of process.env for `auth`: validated once, frozen. */
export function readAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  const publicUrl = readUrl(env, 'PUBLIC_URL', `http://127.0.0.1:${env.GATEWAY_PORT || 3000}`, ['http:', 'https:']).replace(/\/$/, '');
  return {
    ...readCommonConfig(env),
    httpPort: readPort(env, 'AUTH_HTTP_PORT', 3001),
    tcpPort: readPort(env, 'AUTH_TCP_PORT', 4001),
    tokenIssuer: readString(env, 'TOKEN_ISSUER', 'idstream'),
    maxAccessTokenTtlSeconds: readInt(env, 'MAX_ACCESS_TOKEN_TTL_SECONDS', 86_400, { min: 60, max: 7 * 86_400 }),
    signingKeyRotationDays: readInt(env, 'SIGNING_KEY_ROTATION_DAYS', 30, { min: 1, max: 3650 }),
    confirmationTokenTtlSeconds: readInt(env, 'CONFIRMATION_TOKEN_TTL_SECONDS', 86_400, { min: 60 }),
    resetTokenTtlSeconds: readInt(env, 'RESET_TOKEN_TTL_SECONDS', 3600, { min: 60 }),
    signIn: {
      maxFailures: readInt(env, 'SIGN_IN_MAX_FAILURES', 10, { min: 1 }),
      windowSeconds: readInt(env, 'SIGN_IN_FAILURE_WINDOW_SECONDS', 900, { min: 1 }),
    },
    providerKeys: {
      timeoutMs: readInt(env, 'PROVIDER_TIMEOUT_MS', 2000, { min: 100, max: 30_000 }),
      maxAgeMs: readInt(env, 'PROVIDER_KEYS_MAX_AGE_SECONDS', 600, { min: 1, max: 86_400 }) * 1000,
      refetchCooldownMs: readInt(env, 'PROVIDER_KEYS_REFETCH_COOLDOWN_MS', 30_000, { min: 0, max: 3_600_000 }),
      maxIssuers: readInt(env, 'PROVIDER_KEYS_MAX_ISSUERS', 100, { min: 1, max: 10_000 }),
      breakerFailures: readInt(env, 'PROVIDER_BREAKER_FAILURES', 3, { min: 1, max: 1000 }),
      breakerOpenMs: readInt(env, 'PROVIDER_BREAKER_OPEN_MS', 30_000, { min: 100, max: 3_600_000 }),
    },
    mailRequestsPerHour: readInt(env, 'MAIL_REQUESTS_PER_HOUR', 5, { min: 1 }),
    mail: {
      smtpUrl: readOptional(env, 'SMTP_URL') && readUrl(env, 'SMTP_URL', '', ['smtp:', 'smtps:']),
      from: readString(env, 'MAIL_FROM', 'idstream <no-reply@idstream.local>'),
      dir: readString(env, 'MAIL_DIR', '.data/mail'),
      confirmUrl: readString(env, 'MAIL_CONFIRM_URL', `${publicUrl}/confirm?token={token}`),
      resetUrl: readString(env, 'MAIL_RESET_URL', `${publicUrl}/reset-password?token={token}`),
    },
    defaultWorkspace: {
      clientApiKey: readOptional(env, 'DEFAULT_WORKSPACE_CLIENT_KEY'),
      serverKey: readOptional(env, 'DEFAULT_WORKSPACE_SERVER_KEY'),
      allowedOrigins: readOrigins(env, 'DEFAULT_WORKSPACE_ALLOWED_ORIGINS'),
    },
    masterKeys: readMasterKeys(env),
    keyServiceSecret: readSecret(env, 'IDSTREAM_KEY_SERVICE_SECRET'),
  };
}

/** A comma-separated list of exact browser origins; undefined when unset. */
function readOrigins(env: Record<string, string | undefined>, name: string): string[] | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const problem = allowedOriginsProblem(origins);
  if (problem) throw new ConfigError(name, problem);
  return origins;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
export const loadAuthConfig = (): Readonly<AuthConfig> => loadConfigOrExit('auth', () => readAuthConfig());
