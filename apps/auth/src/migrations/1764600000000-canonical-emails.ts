import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { planEmailRekey, type IndexedEmail } from './email-rekey.plan';

/**
 * `auth.emails` was keyed by `lower(email)`, which folds the Kelvin sign onto `k` and keeps
 * NFC and NFD apart: re-key every row by `canonicalEmail`. The column keeps its name
 * `email_lower` (it now holds the canonical form) so that this change stays one migration;
 * a rename is a later, separate step. Collisions and addresses without a canonical form are
 * logged with their profile ids (never the addresses) and left as they were.
 */
export class CanonicalEmails1764600000000 implements MigrationInterface {
  name = 'CanonicalEmails1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const rows = (await q.query(
      `SELECT e.workspace_id, e.email_lower, e.profile_id, p.state->>'email' AS email
         FROM auth.emails e LEFT JOIN auth.profiles p ON p.workspace_id = e.workspace_id AND p.profile_id = e.profile_id`,
    )) as { workspace_id: string; email_lower: string; profile_id: string; email: string | null }[];
    const indexed: IndexedEmail[] = rows.map((r) => ({
      workspaceId: r.workspace_id,
      key: r.email_lower,
      profileId: r.profile_id,
      email: r.email,
    }));
    const plan = planEmailRekey(indexed);
    // Two passes: a key may move to one that another row is about to leave. The interim key
    // holds a space, which no canonical form does.
    for (const move of plan.moves) {
      await q.query('UPDATE auth.emails SET email_lower = $3 WHERE workspace_id = $1 AND email_lower = $2', [
        move.workspaceId,
        move.from,
        `moving ${move.from}`,
      ]);
    }
    for (const move of plan.moves) {
      await q.query('UPDATE auth.emails SET email_lower = $3 WHERE workspace_id = $1 AND email_lower = $2', [
        move.workspaceId,
        `moving ${move.from}`,
        move.to,
      ]);
    }
    const logger = new Logger('CanonicalEmails');
    for (const c of plan.collisions)
      logger.warn({
        msg: 'email collision: addresses with one canonical form, left unmerged',
        workspaceId: c.workspaceId,
        profileIds: c.profileIds,
      });
    for (const u of plan.uncanonical)
      logger.warn({ msg: 'email without a canonical form, left as it was', workspaceId: u.workspaceId, profileIds: [u.profileId] });
    logger.log({
      msg: 'emails re-keyed by canonical form',
      rows: rows.length,
      moved: plan.moves.length,
      collisions: plan.collisions.length,
      uncanonical: plan.uncanonical.length,
    });
  }

  async down(): Promise<void> {
    // The lower() keys cannot be rebuilt faithfully (that fold is the defect): nothing to undo.
  }
}
