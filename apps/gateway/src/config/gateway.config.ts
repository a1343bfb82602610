import {
  loadConfigOrExit,
  readCommonConfig,
  readEnum,
  readInt,
  readOptional,
  readPort,
  readString,
  type CommonConfig,
} from '@idstream/runtime';

export interface GatewayConfig extends CommonConfig {
  port: number;
  auth: { host: string; port: number };
  projector: { host: string; port: number };
  /** How long a command or query to auth or the projector may take before a 503. */
  requestTimeoutMs: number;
  /** Operator key for /v1/admin; admin routes are refused when unset. */
  adminKey: string | undefined;
  bodyLimitBytes: number;
  /** Slow clients: headers must arrive within `headersMs`, the whole request within `requestMs` (else 408). */
  httpTimeouts: { headersMs: number; requestMs: number };
  /** Public URL printed at start. */
  publicUrl: string;
  /** Trust X-Forwarded-For for the client IP (rate limits key on it): only behind a proxy that sets it. */
  trustProxy: boolean;
  /** The `iss` every access token must carry; auth signs with the same variable and default. */
  tokenIssuer: string;
  /**
   * The longest access-token TTL any workspace may set. It bounds the revocation view's start-up
   * read of identity.events, and admin requests asking for more are refused.
   */
  maxAccessTokenTtlSeconds: number;
  /** Per client IP on the unauthenticated auth routes: sustained rate (0 turns the limit off) and burst. */
  rateLimit: { perSecond: number; burst: number };
}

function readBoolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  return readEnum(env, name, fallback ? 'true' : 'false', ['true', 'false'] as const) === 'true';
}

/** The only reader of process.env for `gateway`: validated once, frozen. */
export function readGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const port = readPort(env, 'GATEWAY_PORT', 3000);
  const perSecond = readInt(env, 'GATEWAY_RATE_LIMIT_PER_SECOND', 20, { min: 0, max: 1_000_000 });
  const burst = readInt(env, 'GATEWAY_RATE_LIMIT_BURST', 100, { min: 1, max: 1_000_000 });
  return {
    ...readCommonConfig(env),
    port,
    auth: { host: readString(env, 'AUTH_HOST', '127.0.0.1'), port: readPort(env, 'AUTH_TCP_PORT', 4001) },
    projector: { host: readString(env, 'PROJECTOR_HOST', '127.0.0.1'), port: readPort(env, 'PROJECTOR_TCP_PORT', 4002) },
    requestTimeoutMs: readInt(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 5000, { min: 100, max: 60_000 }),
    adminKey: readOptional(env, 'IDSTREAM_ADMIN_KEY'),
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', 1_048_576, { min: 1024, max: 16 * 1_048_576 }),
    httpTimeouts: {
      headersMs: readInt(env, 'GATEWAY_HEADERS_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
      requestMs: readInt(env, 'GATEWAY_RECEIVE_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
    },
    publicUrl: readString(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    tokenIssuer: readString(env, 'TOKEN_ISSUER', 'idstream'),
    maxAccessTokenTtlSeconds: readInt(env, 'MAX_ACCESS_TOKEN_TTL_SECONDS', 86_400, { min: 60, max: 7 * 86_400 }),
    rateLimit: { perSecond, burst },
  };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const loadGatewayConfig = (): Readonly<GatewayConfig> => loadConfigOrExit('gateway', () => readGatewayConfig());
