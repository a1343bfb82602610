import { loadConfigOrExit, readCommonConfig, readPort, type CommonConfig } from '@idstream/runtime';

export interface AuthConfig extends CommonConfig {
  httpPort: number;
  tcpPort: number;
}

/** The only reader of process.env for `auth`: validated once, frozen. */
export function readAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  return {
    ...readCommonConfig(env),
    httpPort: readPort(env, 'AUTH_HTTP_PORT', 3001),
    tcpPort: readPort(env, 'AUTH_TCP_PORT', 4001),
  };
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
export const loadAuthConfig = (): Readonly<AuthConfig> => loadConfigOrExit('auth', () => readAuthConfig());
