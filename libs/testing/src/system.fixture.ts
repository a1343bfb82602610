import { randomBytes } from 'node:crypto';
import { topicNames } from '@idstream/contracts';
import { createTestDatabase } from './database.fixture';
import { freePort } from './ports';
import { testKafka, uniqueName, waitFor } from './kafka.fixture';
import { startNodeProcess, type RunningProcess } from './process.fixture';
import { SealedMessageOpener } from './sealed.fixture';
import { assertNoSecrets, SecretsScanner, type SecretHit } from './secrets.scanner';
import { SmtpSink } from './smtp.fixture';

export type AppName = 'auth' | 'profile-projector' | 'tracking-ingester' | 'gateway';

// Response bodies are JSON of many shapes; tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The whole system for an end-to-end test file: a fresh database, a real SMTP sink, and the
 * four apps as separate processes on free ports with their own consumer groups, talking
 * through the real Kafka broker. `http()` calls the gateway.
 */
export class TestSystem {
  readonly adminKey = `admin_${randomBytes(16).toString('hex')}`;
  readonly clientApiKey = `ck_${randomBytes(12).toString('hex')}`;
  readonly serverKey = `sk_${randomBytes(24).toString('hex')}`;
  /** Development keys of this system only (crypto-shredding): a master key and the key service's credential. */
  readonly masterKeys = `test:${randomBytes(32).toString('base64')}`;
  readonly keyServiceSecret = randomBytes(32).toString('base64url');
  readonly smtp = new SmtpSink();
  /** Each test system has its own topics (KAFKA_TOPIC_PREFIX), so systems never read each other's events. */
  readonly topicPrefix = `t${randomBytes(4).toString('hex')}.`;
  readonly topics = topicNames(this.topicPrefix);
  readonly processes = new Map<AppName, RunningProcess>();
  /** Every process this system started, restarts included, with its captured output (kept after stop). */
  readonly started: { name: string; process: RunningProcess }[] = [];
  /**
   * The secrets this system handled: its keys, every password, email and token that went
   * through `http()`, and the tokens of every mail received. `assertNoSecretsLeaked()` scans.
   */
  readonly secrets = new SecretsScanner();
  env: Record<string, string> = {};
  gatewayUrl = '';
  private dropDatabase?: () => Promise<void>;
  private opener?: SealedMessageOpener;

  constructor() {
    this.secrets.add(this.adminKey, 'admin-key');
    this.secrets.add(this.serverKey, 'server-key');
    this.secrets.add(this.masterKeys.slice(this.masterKeys.indexOf(':') + 1), 'master-key');
    this.secrets.add(this.keyServiceSecret, 'master-key');
  }

  async start(
    apps: AppName[] = ['auth', 'profile-projector', 'tracking-ingester', 'gateway'],
    extraEnv: Record<string, string> = {},
  ): Promise<this> {
    const db = await createTestDatabase('e2e');
    this.dropDatabase = db.drop;
    await this.smtp.start();
    const [gatewayPort, authHttp, authTcp, projHttp, projTcp, ingHttp] = await Promise.all(Array.from({ length: 6 }, freePort));
    this.env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(gatewayPort),
      AUTH_HTTP_PORT: String(authHttp),
      AUTH_TCP_PORT: String(authTcp),
      PROJECTOR_HTTP_PORT: String(projHttp),
      PROJECTOR_TCP_PORT: String(projTcp),
      INGESTER_HTTP_PORT: String(ingHttp),
      PROJECTOR_GROUP_ID: uniqueName('projector'),
      INGESTER_GROUP_ID: uniqueName('ingester'),
      INGESTER_IDENTITY_GROUP_ID: uniqueName('ingester-identity'),
      IDSTREAM_ADMIN_KEY: this.adminKey,
      DEFAULT_WORKSPACE_CLIENT_KEY: this.clientApiKey,
      DEFAULT_WORKSPACE_SERVER_KEY: this.serverKey,
      SMTP_URL: this.smtp.url,
      IDSTREAM_MASTER_KEYS: this.masterKeys,
      IDSTREAM_KEY_SERVICE_SECRET: this.keyServiceSecret,
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      // Each test system's projector replays identity.events from offset 0, and the topic holds
      // every earlier test's events: a query waiting for a write gets more time than in production.
      PROJECTOR_CONSISTENCY_WAIT_MS: '15000',
      GATEWAY_REQUEST_TIMEOUT_MS: '20000',
      ...extraEnv,
    };
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    for (const app of apps) this.startApp(app);
    await this.waitReady(apps);
    return this;
  }

  startApp(app: AppName, extraEnv: Record<string, string> = {}): RunningProcess {
    const running = startNodeProcess(`apps/${app}/src/main.js`, { ...this.env, ...extraEnv });
    this.processes.set(app, running);
    this.started.push({ name: `${app}#${this.started.filter((s) => s.name.startsWith(`${app}#`)).length + 1}`, process: running });
    return running;
  }

  async waitReady(apps: AppName[], timeoutMs = 60_000): Promise<void> {
    const ports: Record<AppName, string> = {
      auth: this.env.AUTH_HTTP_PORT!,
      'profile-projector': this.env.PROJECTOR_HTTP_PORT!,
      'tracking-ingester': this.env.INGESTER_HTTP_PORT!,
      gateway: this.env.GATEWAY_PORT!,
    };
    for (const app of apps) {
      await waitFor(
        async () => {
          const proc = this.processes.get(app);
          if (proc && proc.child.exitCode !== null) throw new Error(`${app} exited:\n${proc.output.slice(-30).join('\n')}`);
          try {
            return (await fetch(`http://127.0.0.1:${ports[app]}/health/ready`)).ok;
          } catch {
            return false;
          }
        },
        { timeoutMs, intervalMs: 200, what: `${app} ready` },
      );
    }
  }

  async stopApp(app: AppName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | undefined> {
    const proc = this.processes.get(app);
    this.processes.delete(app);
    return proc?.stop(signal);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async http<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    this.secrets.add(options.token, 'access-token');
    const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
    this.secrets.add(bearer, bearer?.startsWith('eyJ') ? 'access-token' : 'server-key');
    this.secrets.addFromBody(options.body);
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.gatewayUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    this.secrets.addFromBody(parsed);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Waits for a mail to `address` and returns the token it carries. */
  async tokenFromMail(address: string, count = 1): Promise<string> {
    await waitFor(() => this.smtp.mailsTo(address).length >= count, { timeoutMs: 15_000, what: `mail #${count} to ${address}` });
    const mail = this.smtp.mailsTo(address)[count - 1]!;
    const token = tokenOfMail(mail.text);
    if (!token) throw new Error(`no token in mail:\n${mail.text}`);
    this.secrets.add(token, 'one-time-token');
    return token;
  }

  /**
   * For a TopicReader of identity.events whose test asserts on personal fields: opens each
   * sealed message with the profile's data key (withheld once erased). Raw reads pass none.
   */
  sealedOpener(): (value: string) => Promise<string> {
    this.opener ??= new SealedMessageOpener(this.env.DATABASE_URL!, this.masterKeys);
    return this.opener.open;
  }

  /**
   * The Secrets proof: scans every log line of every process this system started and every
   * message on every topic of its prefix for the secrets it handled (and for anything shaped
   * like a password hash or a JWT), and fails on any hit. Call it after `stop()`, so that the
   * shutdown lines are scanned too.
   */
  async assertNoSecretsLeaked(extra: { name: string; lines: readonly string[] }[] = []): Promise<void> {
    const topics = await this.secrets.scanTopics(testKafka('secrets-scan'), this.topicPrefix);
    const lines = this.started.reduce((n, s) => n + s.process.output.length, 0);
    // A scan that read nothing proves nothing.
    if (topics.messages === 0 || lines === 0) throw new Error(`nothing to scan: ${topics.messages} messages, ${lines} log lines`);
    assertNoSecrets([...this.scanLogs(extra), ...topics.hits], `the logs and topics of ${this.topicPrefix}*`);
  }

  /** The hits in every captured log line of every process this system started (plus `extra` logs). */
  scanLogs(extra: { name: string; lines: readonly string[] }[] = []): SecretHit[] {
    for (const mail of [...this.smtp.mails, ...this.smtp.refusedMails])
      this.secrets.add(tokenOfMail(mail.text), 'one-time-token', 'mailed');
    const logs = this.started.map(({ name, process }) => ({ name, lines: process.output, droppedLines: process.captured.droppedLines }));
    return this.secrets.scanLogs([...logs, ...extra]);
  }

  /** Stops every app (their captured output stays in `started`), the SMTP sink, and drops the database. */
  async stop(): Promise<void> {
    const dropDatabase = this.dropDatabase;
    this.dropDatabase = undefined;
    await Promise.all([...this.processes.keys()].map((app) => this.stopApp(app)));
    await this.opener?.close().catch(() => undefined);
    await this.smtp.stop();
    await dropDatabase?.();
  }
}

/** The one-time token a mail carries (the code, as in the link). */
function tokenOfMail(text: string): string | undefined {
  return /code in the app: ([A-Za-z0-9_-]{20,})/.exec(text)?.[1];
}
