import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from './kafka.fixture';
import { repoRoot } from './process.fixture';
import { freePort } from './ports';

/**
 * A single-node KRaft broker of its own, for tests that stop and start a broker: the shared
 * broker on 9092 (scripts/kafka.sh) is never restarted. It has its own ports (client and
 * controller) and its own data directory, takes scripts/kafka/server.properties with those
 * overridden, and uses the jars scripts/kafka.sh resolved into .data/kafka-jars/<version>
 * (resolving them through `kafka.sh install` when missing). Its data outlives `stop()`, so a
 * `start()` after it is a broker restart; `destroy()` removes everything.
 */
export class OwnKafkaBroker {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), 'idstream-broker-'));
  port = 0;
  private controllerPort = 0;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  readonly log: string[] = [];

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 90_000): Promise<this> {
    if (this.port === 0) await this.format();
    const root = repoRoot();
    const started = this.log.length;
    const child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-cp',
        `${jarsDir()}/*`,
        `-Dlog4j2.configurationFile=${path.join(root, 'scripts/kafka/log4j2.properties')}`,
        'kafka.Kafka',
        this.propertiesFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const collect = (chunk: Buffer) => this.log.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the test broker exited during start:\n${this.log.slice(-20).join('\n')}`);
        return this.log.slice(started).some((l) => l.includes('Kafka Server started')) && (await this.answers());
      },
      { timeoutMs, intervalMs: 250, what: `the test broker on ${this.brokers}` },
    );
    return this;
  }

  /** SIGTERM (a clean broker shutdown, as an operator's restart does) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
    if (!stopped) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private get propertiesFile(): string {
    return path.join(this.dataDir, 'server.properties');
  }

  private async answers(): Promise<boolean> {
    // Refused connections are the expected answer while it starts: the probe logs nothing.
    const probe = new Kafka({ brokers: [this.brokers], clientId: 'idstream-test-broker-probe', logLevel: logLevel.NOTHING });
    const admin = probe.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Writes the properties with this broker's ports and data directory, and formats its storage. */
  private async format(): Promise<void> {
    [this.port, this.controllerPort] = [await freePort(), await freePort()];
    const logs = path.join(this.dataDir, 'logs');
    mkdirSync(logs, { recursive: true });
    const base = readFileSync(path.join(repoRoot(), 'scripts/kafka/server.properties'), 'utf8')
      .split('\n')
      .filter((line) => !/^(controller\.quorum\.voters|listeners|advertised\.listeners|log\.dirs)=/.test(line));
    base.push(
      `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
      `log.dirs=${logs}`,
    );
    writeFileSync(this.propertiesFile, base.join('\n') + '\n');
    let clusterId: string;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    const format = spawnSync(
      'java',
      ['-cp', `${jarsDir()}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', this.propertiesFile, '--ignore-formatted'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (format.status !== 0) throw new Error(`formatting the test broker failed: ${format.stderr || format.stdout}`);
  }
}

/** The broker jars of the version scripts/kafka/pom.xml names, resolved once by scripts/kafka.sh. */
function jarsDir(): string {
  const root = repoRoot();
  const pom = readFileSync(path.join(root, 'scripts/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>(.+?)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error('no kafka.version in scripts/kafka/pom.xml');
  const dir = path.join(root, '.data/kafka-jars', version);
  if (!existsSync(path.join(dir, '.complete'))) {
    const install = spawnSync('bash', [path.join(root, 'scripts/kafka.sh'), 'install'], { encoding: 'utf8', stdio: 'inherit' });
    if (install.status !== 0) throw new Error('could not resolve the Kafka jars (scripts/kafka.sh install)');
  }
  return dir;
}
