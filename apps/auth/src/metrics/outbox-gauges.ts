import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@idstream/persistence';
import { metricsRegistry } from '@idstream/runtime';

interface OutboxRow {
  backlog: string;
  lag_seconds: number | null;
  mail_backlog: string;
  mail_retrying: string;
  mail_failed: string;
}

/**
 * The outboxes seen from the database at each scrape (one query, so every replica reports
 * the same shared truth): events not yet on Kafka and the age of the oldest (relay lag), mails
 * not yet sent, being retried, and given up on.
 */
@Injectable()
export class OutboxGauges {
  private readonly logger = new Logger('OutboxGauges');
  private snapshot?: Promise<OutboxRow | undefined>;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    const gauge = (name: string, help: string, read: (row: OutboxRow) => number): void => {
      const measured: Gauge = new Gauge({
        name,
        help,
        registers: [metricsRegistry],
        collect: async () => {
          const row = await this.read();
          if (row) measured.set(read(row));
        },
      });
    };
    gauge('idstream_auth_outbox_backlog', 'Events written to the outbox and not yet published to Kafka', (r) => Number(r.backlog));
    gauge('idstream_auth_outbox_relay_lag_seconds', 'Age of the oldest unpublished outbox row (0 when none)', (r) => r.lag_seconds ?? 0);
    gauge('idstream_auth_mail_outbox_backlog', 'Mails queued and neither sent nor given up', (r) => Number(r.mail_backlog));
    gauge('idstream_auth_mail_outbox_retrying', 'Queued mails whose sending failed at least once', (r) => Number(r.mail_retrying));
    gauge('idstream_auth_mail_outbox_failed', 'Mails given up on after the last attempt', (r) => Number(r.mail_failed));
  }

  /** One query per scrape, shared by the five gauges; a failure leaves them at their last values. */
  private read(): Promise<OutboxRow | undefined> {
    this.snapshot ??= this.query().finally(() => setImmediate(() => (this.snapshot = undefined)));
    return this.snapshot;
  }

  private async query(): Promise<OutboxRow | undefined> {
    try {
      const [row] = await this.dataSource.query<OutboxRow[]>(
        `SELECT (SELECT count(*) FROM auth.outbox WHERE published_at IS NULL) AS backlog,
                (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM auth.outbox WHERE published_at IS NULL) AS lag_seconds,
                (SELECT count(*) FROM auth.mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS mail_backlog,
                (SELECT count(*) FROM auth.mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0) AS mail_retrying,
                (SELECT count(*) FROM auth.mail_outbox WHERE failed_at IS NOT NULL) AS mail_failed`,
      );
      return row;
    } catch (error) {
      this.logger.warn({ msg: 'outbox gauges not measured', err: (error as Error).message });
      return undefined;
    }
  }
}
