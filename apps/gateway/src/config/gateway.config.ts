import { loadConfigOrExit, readCommonConfig, readInt, readOptional, readPort, readString, type CommonConfig } from '@idstream/runtime';

export interface GatewayConfig extends CommonConfig {
  port: number;
  auth: { host: string; port: number };
  projector: { host: string; port: number };
  /** How long a command or query to auth or the projector may take before a 503. */
  requestTimeoutMs: number;
  /** Operator key for /v1/admin; admin routes are refused when unset. */
  adminKey: string | undefined;
  bodyLimitBytes: number;
  /** Public URL printed at start and used as the token issuer's base. */
  publicUrl: string;
}

/** The only reader of process.env for `gateway`: validated once, frozen. */
export function readGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const port = readPort(env, 'GATEWAY_PORT', 3000);
  return {
    ...readCommonConfig(env),
    port,
    auth: { host: readString(env, 'AUTH_HOST', '127.0.0.1'), port: readPort(env, 'AUTH_TCP_PORT', 4001) },
    projector: { host: readString(env, 'PROJECTOR_HOST', '127.0.0.1'), port: readPort(env, 'PROJECTOR_TCP_PORT', 4002) },
    requestTimeoutMs: readInt(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 5000, { min: 100, max: 60_000 }),
    adminKey: readOptional(env, 'IDSTREAM_ADMIN_KEY'),
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', 1_048_576, { min: 1024, max: 16 * 1_048_576 }),
    publicUrl: readString(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
  };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const loadGatewayConfig = (): Readonly<GatewayConfig> => loadConfigOrExit('gateway', () => readGatewayConfig());
