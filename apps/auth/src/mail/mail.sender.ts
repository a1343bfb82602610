import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import nodemailer, { type Transporter } from 'nodemailer';
import { scrub } from '@idstream/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { DATA_SOURCE } from '@idstream/persistence';

interface MailRow {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

const MAX_ATTEMPTS = 8;

/**
 * SMTP errors often quote the recipient, and some quote the message (with its code): keep
 * addresses and tokens out of logs and of `last_error`, which outlives the erased body.
 */
export function withoutAddresses(text: string): string {
  return scrub(text.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '<address>'));
}

/**
 * Sends the mail outbox: through SMTP when SMTP_URL is set, else as .eml files under
 * MAIL_DIR (development). Retries with exponential backoff (up to 8 attempts); a sent mail's
 * body is erased, so no confirmation or reset token lingers in the database. Rows are claimed
 * with SKIP LOCKED, so several auth replicas never send one mail twice at once.
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MailSender');
  private transport?: Transporter;
  private listener?: Client;
  private timer?: NodeJS.Timeout;
  private running = false;
  private busy?: Promise<void>;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.mail.smtpUrl) this.transport = nodemailer.createTransport(this.config.mail.smtpUrl);
    else this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    this.running = true;
    this.listener = new Client({ connectionString: this.config.databaseUrl, application_name: 'auth-mail' });
    await this.listener.connect();
    this.listener.on('notification', () => this.kick());
    this.listener.on('error', (e) => this.logger.warn({ msg: 'mail listener error', err: e.message }));
    await this.listener.query('LISTEN idstream_mail');
    this.timer = setInterval(() => this.kick(), 1000);
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.busy;
    await this.listener?.end().catch(() => undefined);
  }

  private kick(): void {
    if (!this.running || this.busy) return;
    this.busy = this.sendDue()
      .catch((e) => this.logger.error({ msg: 'mail sending failed', err: (e as Error).message }))
      .finally(() => (this.busy = undefined));
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      const sent = await this.dataSource.transaction(async (manager) => {
        const rows: MailRow[] = await manager.query(
          `SELECT id, recipient, subject, body, attempts FROM auth.mail_outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        const mail = rows[0];
        if (!mail) return false;
        try {
          await this.deliver(mail);
          await manager.query('UPDATE auth.mail_outbox SET sent_at = now(), body = NULL, attempts = attempts + 1 WHERE id = $1', [mail.id]);
          this.logger.log({ msg: 'mail sent', mailId: mail.id });
        } catch (error) {
          const attempts = mail.attempts + 1;
          const failed = attempts >= MAX_ATTEMPTS;
          await manager.query(
            `UPDATE auth.mail_outbox SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4),
               failed_at = CASE WHEN $5 THEN now() END, body = CASE WHEN $5 THEN NULL ELSE body END WHERE id = $1`,
            [mail.id, attempts, withoutAddresses((error as Error).message).slice(0, 500), 2 ** attempts, failed],
          );
          this.logger.warn({
            msg: failed ? 'mail given up' : 'mail will be retried',
            mailId: mail.id,
            attempts,
            err: withoutAddresses((error as Error).message),
          });
        }
        return true;
      });
      if (!sent || !this.running) return;
    }
  }

  private async deliver(mail: MailRow): Promise<void> {
    const message = { from: this.config.mail.from, to: mail.recipient, subject: mail.subject, text: mail.body };
    const info = (await this.transport!.sendMail(message)) as { message?: Buffer };
    if (!this.config.mail.smtpUrl && info.message) {
      // Development: the .eml file is the mail; its path (not its content) is logged.
      await mkdir(this.config.mail.dir, { recursive: true });
      const file = path.join(this.config.mail.dir, `${Date.now()}-${mail.id}.eml`);
      await writeFile(file, info.message);
      this.logger.log({ msg: 'mail written', file: path.resolve(file) });
    }
  }
}
