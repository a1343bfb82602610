import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalEmailOrNull } from '@idstream/contracts';
import { migrationSchema } from './migration-schema';

/**
 * `?email=` looked profiles up by `lower(email)`: it now uses `email_canonical`
 * (`canonicalEmail`), written with every profile row. Existing rows are filled here; profiles
 * whose addresses share one canonical form are logged by id (never the address) and left as
 * they are: the read model does not merge, and auth's own migration reports the same.
 */
export class CanonicalEmailLookup1764600000000 implements MigrationInterface {
  name = 'CanonicalEmailLookup1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(q)}"`;
    await q.query(`ALTER TABLE ${s}.profiles ADD COLUMN email_canonical text`);
    const rows = (await q.query(`SELECT workspace_id, profile_id, email FROM ${s}.profiles WHERE email IS NOT NULL`)) as {
      workspace_id: string;
      profile_id: string;
      email: string;
    }[];
    const byKey = new Map<string, string[]>();
    for (const row of rows) {
      const canonical = canonicalEmailOrNull(row.email);
      if (canonical === null) continue;
      await q.query(`UPDATE ${s}.profiles SET email_canonical = $3 WHERE workspace_id = $1 AND profile_id = $2`, [
        row.workspace_id,
        row.profile_id,
        canonical,
      ]);
      const key = `${row.workspace_id}\n${canonical}`;
      byKey.set(key, [...(byKey.get(key) ?? []), row.profile_id]);
    }
    await q.query(`DROP INDEX ${s}.profiles_email`);
    await q.query(
      `CREATE INDEX profiles_email_canonical ON ${s}.profiles (workspace_id, email_canonical) WHERE email_canonical IS NOT NULL`,
    );
    const logger = new Logger('CanonicalEmailLookup');
    for (const [key, profileIds] of byKey) {
      if (profileIds.length > 1)
        logger.warn({
          msg: 'email collision in the read model, left unmerged',
          workspaceId: key.split('\n')[0],
          profileIds: profileIds.sort(),
        });
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(q)}"`;
    await q.query(`DROP INDEX ${s}.profiles_email_canonical`);
    await q.query(`ALTER TABLE ${s}.profiles DROP COLUMN email_canonical`);
    await q.query(`CREATE INDEX profiles_email ON ${s}.profiles (workspace_id, lower(email)) WHERE email IS NOT NULL`);
  }
}
