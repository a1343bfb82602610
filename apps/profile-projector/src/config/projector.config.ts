import { loadConfigOrExit, readCommonConfig, readPort, type CommonConfig } from '@idstream/runtime';

export interface ProjectorConfig extends CommonConfig {
  httpPort: number;
  tcpPort: number;
  /** Consumer group of the live read model. */
  groupId: string;
}

/** The only reader of process.env for `profile-projector`: validated once, frozen. */
export function readProjectorConfig(env: Record<string, string | undefined> = process.env): ProjectorConfig {
  return {
    ...readCommonConfig(env),
    httpPort: readPort(env, 'PROJECTOR_HTTP_PORT', 3002),
    tcpPort: readPort(env, 'PROJECTOR_TCP_PORT', 4002),
    groupId: env.PROJECTOR_GROUP_ID || 'profile-projector',
  };
}

export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');
export const loadProjectorConfig = (): Readonly<ProjectorConfig> => loadConfigOrExit('profile-projector', () => readProjectorConfig());
