import type { Sql } from '../projection/profile.store';
import { WEEK_MS, partitionName, partitionPlan, weekOfPartition, weekStart } from './partition-weeks';

/**
 * The week partitions of `<schema>.events`. Retention is enforced here and only here, by
 * dropping whole partitions (no row deletes, no vacuum debt): `maintain` creates the weeks
 * around now and drops those past the retention; `ensurePartition` creates a week an event
 * needs that does not exist yet (a replay of older tracking.events, a maintenance that did not run).
 */
export class OwnEventsPartitions {
  private readonly s: string;
  /** Weeks known to exist in this process (refreshed by `maintain`). */
  private readonly known = new Set<number>();

  constructor(
    readonly schema: string,
    readonly retentionDays: number,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
    this.s = `"${schema}"`;
  }

  async existingWeeks(sql: Sql): Promise<number[]> {
    const rows = (await sql.query(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = $1 AND p.relname = 'events'`,
      [this.schema],
    )) as { name: string }[];
    return rows.map((r) => weekOfPartition(r.name)).filter((w): w is number => w !== null);
  }

  /**
   * One maintenance run at `now`, in one transaction under an advisory lock (two replicas take
   * turns; DDL on a partitioned table takes its lock briefly). Answers what it did.
   */
  async maintain(
    transaction: <T>(work: (sql: Sql) => Promise<T>) => Promise<T>,
    now: number,
  ): Promise<{ created: number[]; dropped: number[] }> {
    return transaction(async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`idstream.own-events.partitions.${this.schema}`]);
      const existing = await this.existingWeeks(sql);
      const plan = partitionPlan(now, this.retentionDays, existing);
      for (const week of plan.create) await this.create(sql, week);
      for (const week of plan.drop) await sql.query(`DROP TABLE IF EXISTS ${this.s}."${partitionName(week)}"`);
      this.known.clear();
      for (const week of existing) if (!plan.drop.includes(week)) this.known.add(week);
      for (const week of plan.create) this.known.add(week);
      return { created: plan.create, dropped: plan.drop };
    });
  }

  /** Makes sure the partition holding `instant` exists, inside the caller's transaction. */
  async ensurePartition(sql: Sql, instant: number): Promise<void> {
    const week = weekStart(instant);
    if (this.known.has(week)) return;
    // Serialized with the maintenance and other replicas, so two creators never race.
    await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`idstream.own-events.partitions.${this.schema}`]);
    await this.create(sql, week);
    this.known.add(week);
  }

  private async create(sql: Sql, week: number): Promise<void> {
    const from = new Date(week).toISOString();
    const to = new Date(week + WEEK_MS).toISOString();
    await sql.query(
      `CREATE TABLE IF NOT EXISTS ${this.s}."${partitionName(week)}" PARTITION OF ${this.s}.events FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
  }
}
