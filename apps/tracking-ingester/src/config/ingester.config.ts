import type { TopicNames } from '@idstream/contracts';
import type { TopicSpec } from '@idstream/messaging';
import { ConfigError, loadConfigOrExit, readCommonConfig, readInt, readPort, readString, type CommonConfig } from '@idstream/runtime';

/** The topics the ingester reads and writes; overridable so that tests run on their own topics. */
export interface IngesterTopics {
  raw: string;
  events: string;
  rejected: string;
  identity: string;
}

export interface IngesterConfig extends CommonConfig {
  httpPort: number;
  /** Consumer group on `tracking.raw`; also the prefix of the transactional ids (one per input partition). */
  groupId: string;
  /** Consumer group on `identity.events` (device links, closed sessions, signing keys); its checkpoints live in schema `tracking`. */
  identityGroupId: string;
  /**
   * `auth` over Nest TCP: the workspaces' token algorithms (needed: batches wait for a first answer) and its JWKS at
   * start (optional: retried in the background; the keys also come from identity.events).
   */
  auth: { host: string; port: number };
  /** The `iss` every access token must carry. */
  tokenIssuer: string;
  /** An event's (corrected) time may be at most this far after `receivedAt`. */
  maxFutureMs: number;
  /** …and at most this far before it. */
  maxPastMs: number;
  /** How long (workspace, device, event id) is remembered: at least maxPast + maxFuture, and at least 24 h. */
  dedupeWindowMs: number;
  /** How long a batch may wait without progress of the identity view before it is retried. */
  identityWaitMs: number;
  /**
   * How long after a record's receivedAt the ingester looks at identity.events for it: the
   * outbox relay publishes an identity event a little after auth committed it (and clocks differ).
   */
  identityGraceMs: number;
  /** Input partitions processed at once (each in its own Kafka transaction). */
  partitionsConcurrency: number;
  /** Bytes fetched per partition per batch. */
  maxBytesPerPartition: number;
  /** How often consumer lag is measured for /metrics and the de-duplication store pruned. */
  lagIntervalMs: number;
  pruneIntervalMs: number;
  topics: TopicSpec[];
  ingesterTopics: IngesterTopics;
}

const HOUR_MS = 3600_000;

function readSeconds(env: Record<string, string | undefined>, name: string, fallback: number, range: { min: number; max: number }): number {
  return readInt(env, name, fallback, range) * 1000;
}

/** The only reader of process.env for `tracking-ingester`: validated once, frozen. */
export function readIngesterConfig(env: Record<string, string | undefined> = process.env): IngesterConfig {
  const common = readCommonConfig(env);
  const maxFutureMs = readSeconds(env, 'INGESTER_MAX_FUTURE_SECONDS', 300, { min: 0, max: 7 * 86_400 });
  const maxPastMs = readSeconds(env, 'INGESTER_MAX_PAST_SECONDS', 86_400, { min: 60, max: 30 * 86_400 });
  const dedupeWindowMs = readSeconds(env, 'INGESTER_DEDUPE_WINDOW_SECONDS', 90_000, { min: 86_400, max: 60 * 86_400 });
  // A retry arriving after its id was forgotten must be too old to be accepted: see docs/tracking.md.
  if (dedupeWindowMs < maxPastMs + maxFutureMs) {
    throw new ConfigError(
      'INGESTER_DEDUPE_WINDOW_SECONDS',
      `must be at least INGESTER_MAX_PAST_SECONDS + INGESTER_MAX_FUTURE_SECONDS (${(maxPastMs + maxFutureMs) / 1000})`,
    );
  }
  const ingesterTopics: IngesterTopics = {
    raw: readString(env, 'INGESTER_RAW_TOPIC', common.topicNames.trackingRaw),
    events: readString(env, 'INGESTER_EVENTS_TOPIC', common.topicNames.trackingEvents),
    rejected: readString(env, 'INGESTER_REJECTED_TOPIC', common.topicNames.trackingRejected),
    identity: readString(env, 'INGESTER_IDENTITY_TOPIC', common.topicNames.identityEvents),
  };
  for (const [name, topic] of Object.entries(ingesterTopics) as [string, string][]) {
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(topic))
      throw new ConfigError(`INGESTER_${name.toUpperCase()}_TOPIC`, `"${topic}" is not a topic name`);
  }
  const groupId = readString(env, 'INGESTER_GROUP_ID', 'tracking-ingester');
  const identityGroupId = readString(env, 'INGESTER_IDENTITY_GROUP_ID', 'tracking-ingester-identity');
  if (groupId === identityGroupId) throw new ConfigError('INGESTER_IDENTITY_GROUP_ID', 'must differ from INGESTER_GROUP_ID');
  return {
    ...common,
    httpPort: readPort(env, 'INGESTER_HTTP_PORT', 3003),
    groupId,
    identityGroupId,
    auth: { host: readString(env, 'AUTH_HOST', '127.0.0.1'), port: readPort(env, 'AUTH_TCP_PORT', 4001) },
    tokenIssuer: readString(env, 'TOKEN_ISSUER', 'idstream'),
    maxFutureMs,
    maxPastMs,
    dedupeWindowMs,
    identityWaitMs: readInt(env, 'INGESTER_IDENTITY_WAIT_MS', 30_000, { min: 100, max: 600_000 }),
    identityGraceMs: readInt(env, 'INGESTER_IDENTITY_GRACE_MS', 500, { min: 0, max: 10_000 }),
    partitionsConcurrency: readInt(env, 'INGESTER_PARTITIONS_CONCURRENCY', 3, { min: 1, max: 100 }),
    maxBytesPerPartition: readInt(env, 'INGESTER_MAX_BYTES_PER_PARTITION', 1_048_576, { min: 1024, max: 64 * 1_048_576 }),
    lagIntervalMs: readInt(env, 'INGESTER_LAG_INTERVAL_MS', 5000, { min: 100, max: HOUR_MS }),
    pruneIntervalMs: readInt(env, 'INGESTER_PRUNE_INTERVAL_MS', 60_000, { min: 100, max: HOUR_MS }),
    topics: withOverrides(common.topics, common.topicNames, ingesterTopics),
    ingesterTopics,
  };
}

/** The common topic specs, plus the overridden names with the partitions and settings of the topic they replace. */
function withOverrides(specs: TopicSpec[], standard: TopicNames, names: IngesterTopics): TopicSpec[] {
  const replaced: [string, string][] = [
    [standard.trackingRaw, names.raw],
    [standard.trackingEvents, names.events],
    [standard.trackingRejected, names.rejected],
    [standard.identityEvents, names.identity],
  ];
  const extra: TopicSpec[] = [];
  for (const [standard, actual] of replaced) {
    const spec = specs.find((s) => s.topic === standard);
    if (spec && actual !== standard) extra.push({ ...spec, topic: actual });
  }
  return [...specs, ...extra];
}

export const INGESTER_CONFIG = Symbol('INGESTER_CONFIG');
export const loadIngesterConfig = (): Readonly<IngesterConfig> => loadConfigOrExit('tracking-ingester', () => readIngesterConfig());
