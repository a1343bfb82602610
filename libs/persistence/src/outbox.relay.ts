import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Message } from 'kafkajs';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  SpanKind,
  TRACEPARENT,
  contextOf,
  idstreamTracer,
  isSampledTraceparent,
  traceparentOf,
  type EventProducer,
} from '@idstream/messaging';
import { outboxChannel, registerLeadingRelay } from './outbox';

export interface OutboxRelaySettings {
  schema: string;
  /** A separate connection string for LISTEN (the pool's connections come and go). */
  databaseUrl: string;
  batchSize?: number;
  /** Fallback polling when no notification arrives (ms). */
  pollIntervalMs?: number;
  /** How long a relay woken by a commit waits for more before it reads the outbox (ms; default 5, 0: at once). */
  lingerMs?: number;
  /** Published rows older than this are deleted (ms). */
  retainPublishedMs?: number;
  onError?: (error: unknown) => void;
  /** Prepended to each row's topic when publishing (the deployment's KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
}

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Publishes the outbox to Kafka in position order and marks rows only after Kafka
 * acknowledged them. A crash between the two publishes the rows again on restart:
 * delivery is at-least-once, and consumers are idempotent by event id.
 *
 * Only one relay per schema publishes at a time (a PostgreSQL advisory lock held on the
 * LISTEN connection), so the order per aggregate holds with several replicas running.
 */
export class OutboxRelay {
  private listener?: Client;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;
  private leader = false;
  private lastPrune = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    private readonly settings: OutboxRelaySettings,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.connectListener();
    this.loop = this.run();
  }

  /**
   * The LISTEN connection also holds the leadership lock. When it breaks, the lock is gone
   * with it: this relay stops publishing and reconnects, then competes for the lock again.
   */
  private async connectListener(): Promise<void> {
    const listener = new Client({ connectionString: this.settings.databaseUrl, application_name: `outbox-relay-${this.settings.schema}` });
    const lost = (error?: Error) => {
      if (this.listener !== listener) return;
      this.listener = undefined;
      this.setLeader(false);
      if (error) this.settings.onError?.(error);
      void listener.end().catch(() => undefined);
      this.poke();
    };
    listener.on('notification', () => this.poke());
    listener.on('error', lost);
    listener.on('end', () => lost());
    await listener.connect();
    await listener.query(`LISTEN ${outboxChannel(this.settings.schema)}`);
    this.listener = listener;
  }

  /** Stops after the batch in flight; rows not yet marked are published by the next relay. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.setLeader(false);
    this.poke();
    await this.loop;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** Publishes until the outbox is empty; resolves with the number of rows published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n === 0) return total;
    }
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const interval = this.settings.pollIntervalMs ?? 500;
    const lingerMs = this.settings.lingerMs ?? 5;
    while (this.running) {
      try {
        if (!this.listener) await this.connectListener();
        if (!this.leader) this.setLeader(await this.tryLead());
        if (this.leader) {
          // Woken by a commit: the commits of the next few ms share its batch (one SELECT, one
          // produce, one UPDATE for them all, instead of one of each per small command).
          if (this.pending && lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
          this.pending = false;
          const published = await this.publishBatch();
          await this.pruneNow();
          // A batch that was not full took every row committed before its SELECT; a row committed
          // since then has woken this relay (NOTIFY, or its writer directly), so no SELECT that
          // would find nothing follows each batch.
          if (published >= (this.settings.batchSize ?? 500) || this.pending) continue;
        }
      } catch (error) {
        this.settings.onError?.(error);
        // A full pause even when a notification (or the lost connection itself) is pending:
        // otherwise an unreachable database turns this loop into a busy one, flooding the log.
        await this.sleep(Math.min(interval, 1000), true);
        continue;
      }
      await this.sleep(interval);
    }
  }

  /** A leading relay is woken by this process's writers directly, without NOTIFY (outbox.ts). */
  private setLeader(leader: boolean): void {
    this.leader = leader && this.running;
    registerLeadingRelay(this.dataSource, this.settings.schema, this.wakeUp, this.leader);
  }

  private readonly wakeUp = (): void => this.poke();

  private async tryLead(): Promise<boolean> {
    const result = await this.listener!.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
      `idstream.outbox.${this.settings.schema}`,
    ]);
    return result.rows[0]?.ok === true;
  }

  private async publishBatch(): Promise<number> {
    const schema = this.settings.schema;
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT position, topic, message_key, value, headers FROM "${schema}".outbox
        WHERE published_at IS NULL ORDER BY position LIMIT $1`,
      [this.settings.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    // Rows are grouped by topic but keep their order inside each topic; the idempotent
    // producer (one request in flight) keeps that order within every partition.
    const byTopic = new Map<string, Message[]>();
    const spans: Span[] = [];
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({ key: row.message_key, value: row.value, headers: this.publishHeaders(row, spans) });
      byTopic.set(row.topic, messages);
    }
    const prefix = this.settings.topicPrefix ?? '';
    try {
      await this.producer.sendTopics([...byTopic].map(([topic, messages]) => ({ topic: prefix + topic, messages })));
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
    await this.dataSource.query(`UPDATE "${schema}".outbox SET published_at = now() WHERE position = ANY($1::bigint[])`, [
      rows.map((r) => r.position),
    ]);
    return rows.length;
  }

  /**
   * A row written in a trace is published in a producer span, child of the command's span;
   * its `traceparent` header becomes that span's, so consumers continue from the publish.
   */
  private publishHeaders(row: OutboxRow, spans: Span[]): Record<string, string> {
    const traceparent = row.headers[TRACEPARENT];
    // Rows carry only sampled traces (an unsampled command has no active context); an unsampled one is passed on as it is.
    if (!isSampledTraceparent(traceparent)) return row.headers;
    const parent = contextOf(traceparent);
    const span = idstreamTracer().startSpan(
      `publish ${row.topic}`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': row.topic } },
      parent,
    );
    spans.push(span);
    return { ...row.headers, [TRACEPARENT]: traceparentOf(trace.setSpan(parent, span)) ?? traceparent };
  }

  private async pruneNow(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const keepMs = this.settings.retainPublishedMs ?? 24 * 3600_000;
    await this.dataSource.query(`DELETE FROM "${this.settings.schema}".outbox WHERE published_at < now() - make_interval(secs => $1)`, [
      keepMs / 1000,
    ]);
  }

  /** Waits `ms`, less when poked (unless `fullPause`) or stopped. */
  private sleep(ms: number, fullPause = false): Promise<void> {
    if ((this.pending && !fullPause) || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (fullPause && this.running) return;
        this.wake = undefined;
        done();
      };
    });
  }
}
