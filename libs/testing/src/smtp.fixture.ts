import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The text with quoted-printable soft breaks and escapes undone. */
  text: string;
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** An SMTP refusal: which mails it applies to and the reply line the server sends (it may quote the mail). */
export interface SmtpRefusal {
  stage: 'rcpt' | 'data';
  matches: (address: string, text: string) => boolean;
  code: number;
  reply: (address: string, text: string) => string;
}

function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server on loopback that keeps every mail it receives (the only mock: mail leaves
 * the system). `refuse()` makes it answer like a server that rejects a recipient or a message.
 */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  private readonly refusals: SmtpRefusal[] = [];
  /** Mails answered by a `data` refusal (not delivered, but their tokens were handled all the same). */
  readonly refusedMails: ReceivedMail[] = [];
  /** How many times a refusal was answered. */
  refused = 0;
  private server?: SMTPServer;
  port = 0;

  refuse(rule: SmtpRefusal): this {
    this.refusals.push(rule);
    return this;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const rule = this.refusals.find((r) => r.stage === 'rcpt' && r.matches(address.address.toLowerCase(), ''));
        if (!rule) return callback();
        this.refused++;
        callback(refusal(rule.code, rule.reply(address.address, '')));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const text = decodeQuotedPrintable(raw);
          const rule = this.refusals.find((r) => r.stage === 'data' && to.some((a) => r.matches(a, text)));
          if (rule) {
            this.refused++;
            this.refusedMails.push({ to, raw, text });
            return callback(refusal(rule.code, rule.reply(to[0]!, text)));
          }
          this.mails.push({ to, raw, text });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address.toLowerCase()));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
