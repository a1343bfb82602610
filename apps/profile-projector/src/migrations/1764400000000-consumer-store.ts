import type { MigrationInterface, QueryRunner } from 'typeorm';
import { consumerStoreTableSql } from '@idstream/persistence';
import { migrationSchema } from './migration-schema';

/** Checkpoints and processed event ids of the projector's consumers. */
export class ConsumerStore1764400000000 implements MigrationInterface {
  name = 'ConsumerStore1764400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of consumerStoreTableSql(migrationSchema(q))) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = migrationSchema(q);
    await q.query(`DROP TABLE "${schema}".processed_events`);
    await q.query(`DROP TABLE "${schema}".consumer_checkpoints`);
  }
}
