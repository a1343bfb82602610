import { Client } from 'pg';
import { firstValueFrom } from 'rxjs';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import {
  deadLetterTopic,
  envelopeHeaders,
  parseIdentityEvent,
  ProjectorPatterns,
  uuidv7,
  type FindProfilesQuery,
  type GetProfileQuery,
  type IdentityEvent,
  type Reply,
} from '@idstream/contracts';
import { EventProducer } from '@idstream/messaging';
import {
  createTestDatabase,
  createTestTopic,
  freePort,
  startNodeProcess,
  testKafka,
  waitFor,
  type RunningProcess,
} from '@idstream/testing';
import type { ProfileView } from '../queries/profile.view';
import { deviceFromDb, mergeFromDb, profileFromDb } from '../projection/profile.store';
import type { MemoryProfileModel } from './profile.memory';

export type Snapshot = ReturnType<MemoryProfileModel['snapshot']>;

// Processes a test started die with it, also when the runner ends a timed-out file with SIGTERM.
const children = new Set<RunningProcess>();
const killChildren = () => {
  for (const child of children) child.child.kill('SIGKILL');
};
process.once('exit', killChildren);
process.once('SIGTERM', () => {
  killChildren();
  process.exit(143);
});

/** startNodeProcess, remembered so that the test process never leaves it behind. */
export function startTracked(script: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  const started = startNodeProcess(script, env, args);
  children.add(started);
  void started.exited.then(() => children.delete(started));
  return started;
}

/**
 * One projector process for an integration test: its own database, consumer group, ports
 * and source topic (an `identity.events` of its own, three partitions like the real one, so
 * the shared topic is neither replayed from 0 by every test nor filled with test events);
 * a producer to publish identity envelopes, a TCP client for the queries, SQL for
 * looking at the rows. Tests only.
 */
export class ProjectorHarness {
  readonly kafka = testKafka('projector-test');
  readonly groupId = `projector-test-${uuidv7()}`;
  readonly producer = new EventProducer(this.kafka);
  process?: RunningProcess;
  private client?: ClientProxy;
  private pg?: Client;
  private db?: { url: string; drop(): Promise<void> };
  httpPort = 0;
  tcpPort = 0;
  topic = '';

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get databaseUrl(): string {
    return this.db!.url;
  }

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.db!.url,
      PROJECTOR_GROUP_ID: this.groupId,
      PROJECTOR_HTTP_PORT: String(this.httpPort),
      PROJECTOR_TCP_PORT: String(this.tcpPort),
      PROJECTOR_TOPIC: this.topic,
      PROJECTOR_LAG_INTERVAL_MS: '300',
      // Generous for a loaded CI machine; the timeout test pays it twice.
      PROJECTOR_CONSISTENCY_WAIT_MS: '5000',
      LOG_LEVEL: 'warn',
      ...this.extraEnv,
    };
  }

  async setUp(): Promise<this> {
    this.db = await createTestDatabase('projector');
    this.topic = await createTestTopic(this.kafka, 'identity-events', 3);
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
    await this.producer.connect();
    await this.start();
    return this;
  }

  /** Starts the projector process and waits until it is ready and serves TCP. */
  async start(): Promise<void> {
    this.httpPort = await freePort();
    this.tcpPort = await freePort();
    const started = startTracked('apps/profile-projector/src/main.js', this.env);
    this.process = started;
    await waitFor(
      async () => {
        if (started.child.exitCode !== null || started.child.signalCode !== null) {
          throw new Error(`projector exited early:\n${started.output.slice(-30).join('\n')}`);
        }
        try {
          return (await fetch(`http://127.0.0.1:${this.httpPort}/health/ready`)).ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'projector ready' },
    );
    this.client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: this.tcpPort } });
    await this.client.connect();
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | undefined> {
    this.client?.close();
    this.client = undefined;
    const code = await this.process?.stop(signal);
    this.process = undefined;
    return code;
  }

  async tearDown(): Promise<void> {
    await this.stop().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [deadLetterTopic(this.groupId), this.topic].filter(Boolean) }).catch(() => undefined);
    await admin.disconnect();
    await this.db?.drop();
  }

  /** Publishes envelopes to the test's identity events topic, keyed by aggregate, after checking each against its schema. */
  async publish(events: IdentityEvent[]): Promise<void> {
    for (const event of events) {
      const parsed = parseIdentityEvent(JSON.stringify(event));
      if (!parsed.ok) throw new Error(`invalid test event: ${parsed.error}`);
    }
    await this.producer.send(
      this.topic,
      events.map((e) => ({ key: e.aggregateId, value: JSON.stringify(e), headers: envelopeHeaders(e) })),
    );
  }

  get(query: GetProfileQuery): Promise<Reply<ProfileView>> {
    return firstValueFrom(this.client!.send<Reply<ProfileView>>(ProjectorPatterns.getProfile, query));
  }

  find(query: FindProfilesQuery): Promise<Reply<{ items: ProfileView[] }>> {
    return firstValueFrom(this.client!.send<Reply<{ items: ProfileView[] }>>(ProjectorPatterns.findProfiles, query));
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg!.query(text, params)).rows as T[];
  }

  /** Resolves once every aggregate's last sequence in `events` is applied. */
  async applied(events: IdentityEvent[], schema = 'profiles', timeoutMs = 30_000): Promise<void> {
    const last = new Map<string, { workspaceId: string; aggregateId: string; sequence: number }>();
    for (const e of events) {
      const key = `${e.workspaceId}/${e.aggregateId}`;
      if ((last.get(key)?.sequence ?? 0) < e.sequence) last.set(key, e);
    }
    await waitFor(
      async () => {
        for (const { workspaceId, aggregateId, sequence } of last.values()) {
          const rows = await this.sql<{ sequence: string }>(
            `SELECT sequence FROM "${schema}".stream_positions WHERE workspace_id = $1 AND aggregate_id = $2`,
            [workspaceId, aggregateId],
          );
          if (!rows[0] || Number(rows[0].sequence) < sequence) return false;
        }
        return true;
      },
      { timeoutMs, what: `${last.size} aggregates applied` },
    );
  }

  /** The rows of one workspace in the oracle's shape (MemoryProfileModel.snapshot). */
  async snapshot(workspaceId: string, schema = 'profiles'): Promise<Snapshot> {
    const byKey = <T>(rows: T[], key: (row: T) => string) =>
      rows
        .map((r) => [`${workspaceId}/${key(r)}`, r] as const)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, r]) => r);
    const profiles = (await this.sql(`SELECT * FROM "${schema}".profiles WHERE workspace_id = $1`, [workspaceId])).map(profileFromDb);
    const devices = (await this.sql(`SELECT * FROM "${schema}".device_links WHERE workspace_id = $1`, [workspaceId])).map(deviceFromDb);
    const merges = (await this.sql(`SELECT * FROM "${schema}".profile_merges WHERE workspace_id = $1`, [workspaceId])).map(mergeFromDb);
    const positions = await this.sql<{ aggregate_id: string; sequence: string; event_id: string }>(
      `SELECT aggregate_id, sequence, event_id FROM "${schema}".stream_positions WHERE workspace_id = $1`,
      [workspaceId],
    );
    return {
      profiles: byKey(profiles, (r) => r.profileId),
      devices: byKey(devices, (r) => r.uuid),
      merges: byKey(merges, (r) => r.mergedProfileId),
      positions: byKey(positions, (r) => r.aggregate_id).map((r): [string, number, string] => [
        `${workspaceId}/${r.aggregate_id}`,
        Number(r.sequence),
        r.event_id,
      ]),
    };
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
  }
}
