import { randomUUID } from 'node:crypto';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import { Client } from 'pg';
import {
  IDENTITY_SCHEMA_VERSION,
  envelopeHeaders,
  parseIdentityEvent,
  uuidv7,
  type Envelope,
  type IdentityEvent,
  type IdentityEventDataMap,
  type IdentityEventType,
  type TrackingEventAccepted,
  type TrackingEventRejected,
  type TrackingRawBatch,
} from '@idstream/contracts';
import { ANONYMOUS_SCOPE, CUSTOMER_SCOPE, signAccessToken, type AccessTokenClaims, type SigningKey } from '@idstream/crypto';
import {
  TopicReader,
  createTestDatabase,
  createTestTopic,
  freePort,
  startNodeProcess,
  testKafka,
  uniqueName,
  waitFor,
  type RunningProcess,
} from '@idstream/testing';
import { FakeAuth } from './fake-auth';

/** A valid identity envelope (checked against the published schema), as auth would publish it. */
export function identityEvent<T extends IdentityEventType>(
  type: T,
  workspaceId: string,
  aggregateId: string,
  data: IdentityEventDataMap[T],
  occurredAt = new Date(),
): IdentityEvent {
  const envelope = {
    id: uuidv7(occurredAt.getTime()),
    type,
    schemaVersion: IDENTITY_SCHEMA_VERSION,
    occurredAt: occurredAt.toISOString(),
    workspaceId,
    aggregateId,
    sequence: 1,
    correlationId: randomUUID(),
    causationId: null,
    data,
  } as Envelope<T, IdentityEventDataMap[T]>;
  const parsed = parseIdentityEvent(JSON.stringify(envelope));
  if (!parsed.ok) throw new Error(`test built an invalid ${type}: ${parsed.error}`);
  return parsed.value;
}

/** Access tokens signed with a key of the test's choosing, as auth signs them. */
export async function accessToken(
  key: SigningKey,
  claims: Partial<AccessTokenClaims> & Pick<AccessTokenClaims, 'aud' | 'uuid'>,
  now = Date.now(),
): Promise<string> {
  const role = claims.role ?? 'anonymous';
  const iat = Math.floor(now / 1000) - 60;
  return signAccessToken(key, {
    iss: 'idstream',
    sub: claims.uuid,
    role,
    scope: role === 'customer' ? CUSTOMER_SCOPE : ANONYMOUS_SCOPE,
    sid: randomUUID(),
    jti: randomUUID(),
    iat,
    exp: iat + 3600,
    ...claims,
  });
}

export function rawRecord(token: string, deviceUuid: string, events: unknown[], extra: Partial<TrackingRawBatch> = {}): TrackingRawBatch {
  return {
    schemaVersion: 1,
    requestId: randomUUID(),
    deviceUuid,
    receivedAt: new Date().toISOString(),
    sentAt: null,
    token,
    events,
    ...extra,
  };
}

export interface ClientEvent {
  id: string;
  type: string;
  occurredAt?: string;
  [field: string]: unknown;
}

export const clientEvent = (extra: Record<string, unknown> = {}): ClientEvent => ({ id: randomUUID(), type: 'screen_view', ...extra });

/**
 * One tracking-ingester process for an integration test: its own database, consumer groups,
 * ports and topics (raw, events, rejected, identity), a fake auth on TCP (the workspaces' token
 * algorithms; started by setUp unless `authAtSetUp` is false), a producer to feed it, and
 * readers of its two outputs (read_committed, kafkajs' default). Tests only.
 */
export class IngesterHarness {
  readonly kafka: Kafka = testKafka('ingester-test');
  readonly producer: Producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  readonly groupId = uniqueName('ingester-test');
  readonly identityGroupId = uniqueName('ingester-test-identity');
  topics = { raw: '', events: '', rejected: '', identity: '' };
  accepted!: TopicReader;
  rejected!: TopicReader;
  process?: RunningProcess;
  httpPort = 0;
  private db?: { url: string; drop(): Promise<void> };
  private pg?: Client;
  auth!: FakeAuth;

  constructor(
    private readonly extraEnv: Record<string, string> = {},
    private readonly options: { authAtSetUp?: boolean } = {},
  ) {}

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.db!.url,
      INGESTER_HTTP_PORT: String(this.httpPort),
      INGESTER_GROUP_ID: this.groupId,
      INGESTER_IDENTITY_GROUP_ID: this.identityGroupId,
      INGESTER_RAW_TOPIC: this.topics.raw,
      INGESTER_EVENTS_TOPIC: this.topics.events,
      INGESTER_REJECTED_TOPIC: this.topics.rejected,
      INGESTER_IDENTITY_TOPIC: this.topics.identity,
      // The fake auth lists no key: the keys come from the events.
      AUTH_HOST: '127.0.0.1',
      AUTH_TCP_PORT: String(this.auth.port),
      INGESTER_LAG_INTERVAL_MS: '300',
      TRACKING_PARTITIONS: '3',
      LOG_LEVEL: 'warn',
      ...this.extraEnv,
    };
  }

  async setUp(): Promise<this> {
    this.db = await createTestDatabase('ingester');
    const [httpPort, authPort] = await Promise.all([freePort(), freePort()]);
    this.httpPort = httpPort;
    this.auth = new FakeAuth(authPort);
    if (this.options.authAtSetUp !== false) await this.auth.start();
    this.topics = {
      raw: await createTestTopic(this.kafka, 'trk-raw', 3),
      events: await createTestTopic(this.kafka, 'trk-events', 3),
      rejected: await createTestTopic(this.kafka, 'trk-rejected', 3),
      identity: await createTestTopic(this.kafka, 'trk-identity', 3),
    };
    await this.producer.connect();
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
    this.accepted = await new TopicReader(this.kafka, this.topics.events).start();
    this.rejected = await new TopicReader(this.kafka, this.topics.rejected).start();
    return this;
  }

  /** Starts the ingester process and waits until it answers /health/ready. */
  async start(): Promise<void> {
    const proc = startNodeProcess('apps/tracking-ingester/src/main.js', this.env);
    this.process = proc;
    await waitFor(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`tracking-ingester exited:\n${proc.output.slice(-40).join('\n')}`);
        try {
          return (await fetch(`http://127.0.0.1:${this.httpPort}/health/ready`)).ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'tracking-ingester ready' },
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    await proc?.stop(signal);
  }

  async publishIdentity(...events: IdentityEvent[]): Promise<void> {
    await this.producer.send({
      topic: this.topics.identity,
      acks: -1,
      messages: events.map((e) => ({ key: e.aggregateId, value: JSON.stringify(e), headers: envelopeHeaders(e) })),
    });
  }

  async publishRaw(...records: (TrackingRawBatch | { key: string | null; value: string })[]): Promise<RecordMetadata[]> {
    return this.producer.send({
      topic: this.topics.raw,
      acks: -1,
      messages: records.map((r) => ('schemaVersion' in r ? { key: r.deviceUuid, value: JSON.stringify(r) } : r)),
    });
  }

  /** SQL on the ingester's database (to look at, or to set up, its state). */
  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg!.query(text, params)).rows as T[];
  }

  acceptedEnvelopes(): TrackingEventAccepted[] {
    return this.accepted.messages.map((m) => JSON.parse(m.value!) as TrackingEventAccepted);
  }

  rejections(): TrackingEventRejected[] {
    return this.rejected.messages.map((m) => JSON.parse(m.value!) as TrackingEventRejected);
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
  }

  async tearDown(): Promise<void> {
    await this.stop();
    await this.auth?.stop();
    await this.accepted?.stop();
    await this.rejected?.stop();
    await this.producer.disconnect();
    await this.pg?.end();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [...Object.values(this.topics).filter(Boolean), `dlq.${this.identityGroupId}`] })
      .catch(() => undefined);
    await admin.deleteGroups([this.groupId, this.identityGroupId]).catch(() => undefined);
    await admin.disconnect();
    await this.db?.drop();
  }
}
