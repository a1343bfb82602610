import { loadConfigOrExit, readCommonConfig, readPort, type CommonConfig } from '@idstream/runtime';

export interface IngesterConfig extends CommonConfig {
  httpPort: number;
}

/** The only reader of process.env for `tracking-ingester`: validated once, frozen. */
export function readIngesterConfig(env: Record<string, string | undefined> = process.env): IngesterConfig {
  return {
    ...readCommonConfig(env),
    httpPort: readPort(env, 'INGESTER_HTTP_PORT', 3003),
  };
}

export const INGESTER_CONFIG = Symbol('INGESTER_CONFIG');
export const loadIngesterConfig = (): Readonly<IngesterConfig> => loadConfigOrExit('tracking-ingester', () => readIngesterConfig());
