import { DEFAULT_MAX_BYTES_PER_PARTITION } from '@idstream/persistence';
import {
  ConfigError,
  loadConfigOrExit,
  readCommonConfig,
  readInt,
  readOptional,
  readPort,
  readSecret,
  readString,
  type CommonConfig,
} from '@idstream/runtime';

export interface ProjectorConfig extends CommonConfig {
  httpPort: number;
  tcpPort: number;
  /** Consumer group of the live read model; its checkpoints live in `schema`. */
  groupId: string;
  /** PostgreSQL schema of the read model (`npm run projector:rebuild` swaps a rebuilt one in under this name). */
  schema: string;
  /** How long a query with `minPosition` waits for that event before CONSISTENCY_TIMEOUT. */
  consistencyWaitMs: number;
  /**
   * The topic the read model is built from: `identity.events`. Tests point it at a topic
   * of their own, so they neither replay nor pollute the shared one.
   */
  topic: string;
  /**
   * Partitions of `topic` applied at once, each batch in its own transaction: one batch's
   * PostgreSQL round trips overlap the next one's decoding (a replay was idle 60 % of the time
   * with one). Batches of different partitions already run at once across replicas.
   */
  partitionsConcurrency: number;
  /** How often consumer lag per partition is measured for /metrics. */
  lagIntervalMs: number;
  /** Bytes its consumers fetch per partition per batch (identity.events and tracking.events): what a batch holds in memory at most. */
  maxBytesPerPartition: number;
  /**
   * auth's key service (TCP), which hands out the data keys that open sealed personal
   * fields. Without the secret the projector applies nothing sealed: such a batch fails and
   * is retried (logged) until the secret is set, so no profile is projected without its data.
   */
  keyService: { host: string; port: number; secret: string | undefined; timeoutMs: number };
  /** A customer's own tracking events (own-events/, docs/tracking.md §13). */
  ownEvents: OwnEventsConfig;
}

export interface OwnEventsConfig {
  /** Its own schema: `npm run projector:rebuild` swaps `schema` only, and tracking.events cannot be replayed past its retention. */
  schema: string;
  /** Consumer group on tracking.events (checkpoints in `schema`). */
  groupId: string;
  topic: string;
  /** Rows older than this many days are never served, and dropped with their week's partition. */
  retentionDays: number;
  /** How often partitions are created ahead and dropped behind. */
  maintenanceIntervalMs: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/** The only reader of process.env for `profile-projector`: validated once, frozen. */
export function readProjectorConfig(env: Record<string, string | undefined> = process.env): ProjectorConfig {
  const schema = readString(env, 'PROJECTOR_SCHEMA', 'profiles');
  // The rebuild derives `<schema>_rebuild` and `<schema>_old`, so leave room for the suffix.
  if (!SCHEMA_NAME.test(schema))
    throw new ConfigError('PROJECTOR_SCHEMA', `"${schema}" must be lowercase letters, digits and _ (at most 41)`);
  const common = readCommonConfig(env);
  const groupId = readString(env, 'PROJECTOR_GROUP_ID', 'profile-projector');
  return {
    ...common,
    httpPort: readPort(env, 'PROJECTOR_HTTP_PORT', 3002),
    tcpPort: readPort(env, 'PROJECTOR_TCP_PORT', 4002),
    groupId,
    schema,
    topic: readTopic(env, 'PROJECTOR_TOPIC', common.topicNames.identityEvents),
    consistencyWaitMs: readInt(env, 'PROJECTOR_CONSISTENCY_WAIT_MS', 2000, { min: 0, max: 60_000 }),
    partitionsConcurrency: readInt(env, 'PROJECTOR_PARTITIONS_CONCURRENCY', 3, { min: 1, max: 100 }),
    lagIntervalMs: readInt(env, 'PROJECTOR_LAG_INTERVAL_MS', 5000, { min: 100, max: 3_600_000 }),
    maxBytesPerPartition: readInt(env, 'PROJECTOR_MAX_BYTES_PER_PARTITION', DEFAULT_MAX_BYTES_PER_PARTITION, {
      min: 1024,
      max: 64 * 1_048_576,
    }),
    ownEvents: readOwnEventsConfig(env, schema, groupId, common.topicNames.trackingEvents),
    keyService: {
      host: readString(env, 'AUTH_HOST', '127.0.0.1'),
      port: readPort(env, 'AUTH_TCP_PORT', 4001),
      secret: readOptional(env, 'IDSTREAM_KEY_SERVICE_SECRET') && readSecret(env, 'IDSTREAM_KEY_SERVICE_SECRET'),
      timeoutMs: readInt(env, 'PROJECTOR_KEY_SERVICE_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    },
  };
}

function readOwnEventsConfig(
  env: Record<string, string | undefined>,
  schema: string,
  groupId: string,
  standardTopic: string,
): OwnEventsConfig {
  const ownSchema = readString(env, 'OWN_EVENTS_SCHEMA', 'own_events');
  if (!SCHEMA_NAME.test(ownSchema)) throw new ConfigError('OWN_EVENTS_SCHEMA', `"${ownSchema}" must be lowercase letters, digits and _`);
  // The rebuild renames the projector's schema away: own events must live elsewhere.
  if (ownSchema === schema || ownSchema.startsWith(`${schema}_`))
    throw new ConfigError('OWN_EVENTS_SCHEMA', `"${ownSchema}" must differ from PROJECTOR_SCHEMA and its rebuild names`);
  return {
    schema: ownSchema,
    // Derived from the projector's group, so each deployment (and test system) has its own.
    groupId: readString(env, 'OWN_EVENTS_GROUP_ID', `${groupId}.own-events`),
    topic: readTopic(env, 'OWN_EVENTS_TOPIC', standardTopic),
    retentionDays: readInt(env, 'OWN_EVENTS_RETENTION_DAYS', 90, { min: 1, max: 3650 }),
    maintenanceIntervalMs: readInt(env, 'OWN_EVENTS_MAINTENANCE_INTERVAL_MS', 3_600_000, { min: 1000, max: 86_400_000 }),
  };
}

function readTopic(env: Record<string, string | undefined>, name: string, standard: string): string {
  const topic = readString(env, name, standard);
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new ConfigError(name, `"${topic}" is not a Kafka topic name`);
  return topic;
}

export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');
export const loadProjectorConfig = (): Readonly<ProjectorConfig> => loadConfigOrExit('profile-projector', () => readProjectorConfig());
