import { Kafka, logLevel, type Consumer, type ITopicConfig, type LogEntry } from 'kafkajs';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /**
   * Where kafkajs' own lines go: the app's redacting logger (Nest's `Logger` or a JsonLogger).
   * kafkajs puts whole error objects in its entries (a consumer's failed batch carries the
   * database error, with its query and parameters), so its lines never bypass the serializer.
   */
  log: KafkaLogSink;
  /** How many times kafkajs retries a request (default 8). */
  retries?: number;
}

export interface KafkaLogSink {
  error(entry: Record<string, unknown>): void;
  warn(entry: Record<string, unknown>): void;
  log(entry: Record<string, unknown>): void;
}

// kafkajs logs through this creator at WARN and above.
function logCreatorFor(sink: KafkaLogSink) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      // Retries are bounded on purpose: a failed send reaches its caller, which owns the retry
      // (the outbox relay publishes again, the gateway answers 503), so kafkajs' notice is noise.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const entry = { msg: message, context: `kafkajs.${namespace}`, ...rest };
      if (level === logLevel.ERROR) sink.error(entry);
      else if (level === logLevel.WARN) sink.warn(entry);
      else sink.log(entry);
    };
}

export function createKafka(settings: KafkaSettings): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: logCreatorFor(settings.log),
    retry: { initialRetryTime: 100, retries: settings.retries ?? 8 },
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Broker config entries, e.g. `{ 'retention.ms': '-1' }`. */
  config?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they are) and waits until
 * every one has a leader. Several processes may create the same topics at once (the four apps
 * of one deployment start together): a lost race is retried, never fatal.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing: ITopicConfig[] = specs
          .filter((s) => !existing.has(s.topic))
          .map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          }));
        // createTopics answers false (no throw) for topics another process created meanwhile.
        if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
        const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
        const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (leaderless.length === 0) return;
        throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Answers whether the cluster responds (for /health/ready). */
export async function kafkaReachable(kafka: Kafka, timeoutMs = 2000): Promise<boolean> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const probe = (async () => {
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  })();
  return Promise.race([probe, timer]);
}

/**
 * kafkajs restarts a crashed consumer only after a retriable error. A non-retriable one leaves it
 * disconnected for good while the process still looks healthy: seen when a restarted broker was
 * still loading its groups ("Failed to find group coordinator"), after which the consumer never
 * read again. This runs `restart` (connect, subscribe, run) after such a crash, and again every
 * `delayMs` until it succeeds, as long as `wanted()` says the owner has not stopped it.
 */
export function restartAfterCrash(
  consumer: Consumer,
  restart: () => Promise<void>,
  options: { wanted: () => boolean; onCrash?: (error: unknown) => void; delayMs?: number },
): void {
  const delayMs = options.delayMs ?? 1000;
  const attempt = () => {
    if (!options.wanted()) return;
    restart().catch((error: unknown) => {
      options.onCrash?.(error);
      setTimeout(attempt, delayMs);
    });
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || !options.wanted()) return;
    options.onCrash?.(payload.error);
    setTimeout(attempt, delayMs);
  });
}
