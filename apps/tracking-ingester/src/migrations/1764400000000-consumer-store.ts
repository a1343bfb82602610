import type { MigrationInterface, QueryRunner } from 'typeorm';
import { consumerStoreTableSql } from '@idstream/persistence';

/** Checkpoints and processed event ids of the ingester's consumers. */
export class ConsumerStore1764400000000 implements MigrationInterface {
  name = 'ConsumerStore1764400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of consumerStoreTableSql('tracking')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tracking.processed_events');
    await q.query('DROP TABLE tracking.consumer_checkpoints');
  }
}
