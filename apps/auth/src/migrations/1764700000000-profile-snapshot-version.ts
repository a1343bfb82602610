import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `auth.profiles` becomes a cache of the event stream: each snapshot records the shape it was
 * written in (`PROFILE_SNAPSHOT_VERSION`). Rows written before this column (0) are folded again
 * from their stream at the next load.
 */
export class ProfileSnapshotVersion1764700000000 implements MigrationInterface {
  name = 'ProfileSnapshotVersion1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE auth.profiles ADD COLUMN snapshot_version int NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE auth.profiles DROP COLUMN snapshot_version');
  }
}
