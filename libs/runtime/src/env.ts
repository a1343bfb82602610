import { topicNames, type TopicNames } from '@idstream/contracts';
import type { TopicSpec } from '@idstream/messaging';
import { scrub } from './redaction';

/**
 * Reading configuration from the environment: each reader names the variable in its error,
 * so a bad value stops the boot with one clear line. Apps read process.env only through
 * their own config file, which uses these.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid environment variable ${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

export function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    if (fallback === undefined) throw new ConfigError(name, 'is required');
    return fallback;
  }
  return value;
}

/** A required secret of at least `minLength` characters; no default, on purpose (one shipped with the code protects nothing). */
export function readSecret(env: Env, name: string, minLength = 32): string {
  const value = readString(env, name);
  if (value.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters`);
  return value;
}

export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function readInt(env: Env, name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (range.min !== undefined && value < range.min) throw new ConfigError(name, `${value} is below ${range.min}`);
  if (range.max !== undefined && value > range.max) throw new ConfigError(name, `${value} is above ${range.max}`);
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, { min: 1, max: 65535 });
}

export function readUrl(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = readString(env, name, fallback);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: a URL may hold a password (postgres://user:secret@…).
    throw new ConfigError(name, 'is not a URL');
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, `protocol must be one of ${protocols.join(', ')}`);
  return raw;
}

export function readBrokers(env: Env, name: string, fallback: string): string[] {
  const raw = readString(env, name, fallback);
  const brokers = raw.split(',').map((b) => b.trim());
  for (const broker of brokers) {
    if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(broker)) throw new ConfigError(name, `"${broker}" is not host:port`);
  }
  return brokers;
}

export function readEnum<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = readString(env, name, fallback);
  if (!allowed.includes(raw as T)) throw new ConfigError(name, `"${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Reads a config, or prints its one-line error and exits with status 78 (EX_CONFIG). */
export function loadConfigOrExit<T>(app: string, read: () => T): Readonly<T> {
  try {
    return Object.freeze(read());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${app}: ${scrub(error.message)}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Settings every app shares, with one documented default each (README, "Configuration"). */
export interface CommonConfig {
  databaseUrl: string;
  kafkaBrokers: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Address the app's HTTP and TCP servers bind to. */
  bindHost: string;
  /** KAFKA_TOPIC_PREFIX: prepended to every topic name of this deployment (default none). */
  topicPrefix: string;
  /** The topic names of this deployment (KAFKA_TOPIC_PREFIX + the standard names). */
  topicNames: TopicNames;
  /** Every topic of the system; each app creates the missing ones at start. */
  topics: TopicSpec[];
}

export function readCommonConfig(env: Env): CommonConfig {
  const prefix = readOptional(env, 'KAFKA_TOPIC_PREFIX') ?? '';
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(prefix))
    throw new ConfigError('KAFKA_TOPIC_PREFIX', 'may hold only letters, digits, ".", "_" and "-"');
  const names = topicNames(prefix);
  return {
    databaseUrl: readUrl(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/idstream', ['postgres:', 'postgresql:']),
    kafkaBrokers: readBrokers(env, 'KAFKA_BROKERS', '127.0.0.1:9092'),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error'] as const),
    bindHost: readString(env, 'BIND_HOST', '127.0.0.1'),
    topicPrefix: prefix,
    topicNames: names,
    topics: readTopicSpecs(env, names),
  };
}

const DAY_MS = 24 * 3600_000;

function readTopicSpecs(env: Env, names: TopicNames): TopicSpec[] {
  const identity = readInt(env, 'IDENTITY_EVENTS_PARTITIONS', 3, { min: 1, max: 1000 });
  const tracking = readInt(env, 'TRACKING_PARTITIONS', 6, { min: 1, max: 1000 });
  const trackingRetention = readInt(env, 'TRACKING_EVENTS_RETENTION_MS', 30 * DAY_MS, { min: -1 });
  return [
    { topic: names.identityEvents, partitions: identity, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } },
    { topic: names.trackingRaw, partitions: tracking, config: { 'retention.ms': String(7 * DAY_MS) } },
    { topic: names.trackingEvents, partitions: tracking, config: { 'retention.ms': String(trackingRetention) } },
    { topic: names.trackingRejected, partitions: tracking, config: { 'retention.ms': String(14 * DAY_MS) } },
  ];
}
