import type { EntityManager } from 'typeorm';

export interface Mail {
  workspaceId: string;
  to: string;
  subject: string;
  body: string;
}

/** Queues a mail in the same transaction as the decision that sends it. */
export async function enqueueMail(manager: EntityManager, mail: Mail): Promise<void> {
  await manager.query('INSERT INTO auth.mail_outbox (workspace_id, recipient, subject, body) VALUES ($1, $2, $3, $4)', [
    mail.workspaceId,
    mail.to,
    mail.subject,
    mail.body,
  ]);
  await manager.query("SELECT pg_notify('idstream_mail', '')");
}

/** The mails auth sends; `{link}` templates come from config (MAIL_CONFIRM_URL, MAIL_RESET_URL). */
export const MailTemplates = {
  confirmation(purpose: 'confirmation' | 'activation', link: string, token: string, expiresAt: Date): { subject: string; body: string } {
    const action = purpose === 'activation' ? 'activate your account' : 'confirm your email address';
    return {
      subject: purpose === 'activation' ? 'Activate your account' : 'Confirm your email address',
      body: `Hello,\n\nTo ${action}, open this link:\n\n${link}\n\nOr enter this code in the app: ${token}\n\nIt works once, until ${expiresAt.toISOString()}.\nIf you did not sign up, ignore this mail.\n`,
    };
  },
  activationPin(pin: string, expiresAt: Date): { subject: string; body: string } {
    return {
      subject: 'Your activation code',
      body: `Hello,\n\nTo activate your account, enter this code in the app on the device you signed up with:\n\n${pin}\n\nIt works once, until ${expiresAt.toISOString()}.\nIf you did not sign up, ignore this mail.\n`,
    };
  },
  emailChange(token: string, expiresAt: Date): { subject: string; body: string } {
    return {
      subject: 'Confirm your new email address',
      body: `Hello,\n\nTo make this your account's email address, enter this code in the app: ${token}\n\nIt works once, until ${expiresAt.toISOString()}.\nIf you did not ask for this, ignore this mail: nothing changes.\n`,
    };
  },
  /** To the current address: no token, no new address (whoever reads the old mailbox learns nothing to use). */
  emailChangeNotice(): { subject: string; body: string } {
    return {
      subject: 'A change of your email address was requested',
      body: `Hello,\n\nSomeone signed in to your account with your password asked to change its email address.\nThe change happens only when confirmed from the new address. If this was not you, change your password.\n`,
    };
  },
  passwordReset(link: string, token: string, expiresAt: Date): { subject: string; body: string } {
    return {
      subject: 'Reset your password',
      body: `Hello,\n\nTo choose a new password, open this link:\n\n${link}\n\nOr enter this code in the app: ${token}\n\nIt works once, until ${expiresAt.toISOString()}.\nIf you did not ask for this, ignore this mail: your password stays as it is.\n`,
    };
  },
};

export const fillLink = (template: string, token: string): string => template.replace('{token}', encodeURIComponent(token));

/** Drops every queued and sent mail to `address` (an erasure: unsent ones are not sent, none is kept). */
export async function forgetMailsTo(manager: EntityManager, workspaceId: string, address: string): Promise<void> {
  await manager.query('DELETE FROM auth.mail_outbox WHERE workspace_id = $1 AND lower(recipient) = lower($2)', [workspaceId, address]);
}
