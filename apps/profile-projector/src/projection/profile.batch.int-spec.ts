import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import type { IdentityEvent } from '@idstream/contracts';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { projectorMigrations } from '../migrations/projector.migrations';
import { IdentityEventsBuilder, workload } from '../test-support/identity-events.builder';
import { ProfileProjection } from './profile.projection';

const TABLES = ['profiles', 'device_links', 'profile_merges', 'stream_positions'];

async function rowsOf(ds: DataSource, schema: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await ds.query(`SELECT to_jsonb(t) AS r FROM "${schema}".${table} t ORDER BY to_jsonb(t)::text`);
  return out;
}

/** Issue 14 part 2: one read and one write per Kafka batch give the rows of one event at a time. */
describe('profile projection per batch (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  const sources: DataSource[] = [];
  const open = async (schema: string) => {
    const ds = await openDataSource({ url: db.url, schema, migrations: projectorMigrations });
    sources.push(ds);
    return ds;
  };

  before(async () => {
    db = await createTestDatabase('projector_batch');
  });
  after(async () => {
    for (const ds of sources) await ds.destroy();
    await db?.drop();
  });

  it('writes the same rows as event by event, for batches of every size, also when a batch is delivered again', async () => {
    const a = new IdentityEventsBuilder();
    const b = new IdentityEventsBuilder();
    // Two workspaces interleaved, so that one batch spans both.
    const first = workload(a, 12);
    const second = workload(b, 9);
    const events: IdentityEvent[] = [];
    for (let i = 0; i < Math.max(first.length, second.length); i++) {
      if (first[i]) events.push(first[i]!);
      if (second[i]) events.push(second[i]!);
    }
    const single = await open('single');
    const one = new ProfileProjection('single');
    await single.transaction(async (m) => {
      for (const e of events) await one.apply(m, e);
    });
    const expected = await rowsOf(single, 'single');
    assert.ok((expected.profiles?.length ?? 0) > 20, 'the workload wrote profiles');

    for (const size of [1, 7, 64, events.length]) {
      const schema = `batch_${size}`;
      const ds = await open(schema);
      const projection = new ProfileProjection(schema);
      let applied = 0;
      for (let i = 0; i < events.length; i += size) {
        const batch = events.slice(i, i + size);
        applied += await ds.transaction((m) => projection.applyBatch(m, batch));
        // A redelivery of the same batch changes nothing: every event is stale by its stream's sequence.
        assert.equal(await ds.transaction((m) => projection.applyBatch(m, batch)), 0, `redelivery of batch at ${i}`);
      }
      assert.equal(applied, events.length, `batches of ${size}: every event applied once`);
      assert.deepEqual(await rowsOf(ds, schema), expected, `batches of ${size}`);
    }
  });
});
