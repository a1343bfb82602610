import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPosition } from '@idstream/contracts';
import { IdentityEventsBuilder, workload } from '../test-support/identity-events.builder';
import { ProjectorHarness, startTracked } from '../test-support/projector.harness';
import { MemoryProfileModel } from '../test-support/profile.memory';

const READ_MODEL_TABLES: [table: string, key: string][] = [
  ['profiles', 'profile_id'],
  ['device_links', 'uuid'],
  ['profile_merges', 'merged_profile_id'],
  ['stream_positions', 'aggregate_id'],
];

describe('projector rebuild (real Kafka and PostgreSQL, real processes)', () => {
  const h = new ProjectorHarness();
  before(() => h.setUp());
  after(() => h.tearDown());

  /** Every row of every read-model table of one workspace, as PostgreSQL returns them. */
  async function rows(schema: string, workspaceId: string): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, key] of READ_MODEL_TABLES) {
      out[table] = await h.sql(`SELECT * FROM "${schema}".${table} WHERE workspace_id = $1 ORDER BY ${key}`, [workspaceId]);
    }
    return out;
  }

  it('refuses to run for another consumer group than the one feeding the live schema', async () => {
    const seed = new IdentityEventsBuilder().anonymous();
    await h.publish([seed]);
    await h.applied([seed]);
    const wrong = startTracked('apps/profile-projector/src/rebuild/rebuild.main.js', {
      ...h.env,
      PROJECTOR_GROUP_ID: 'not-the-live-group',
    });
    assert.equal(await wrong.exited, 1);
    assert.match(wrong.output.join('\n'), /is fed by group\(s\) .* not not-the-live-group/);
  });

  it('rebuilds from offset 0 beside the live model, swaps atomically, and the rebuilt model equals the live one row for row', async (t) => {
    // W1: fully applied before the rebuild starts; W2: published while it runs.
    const w1 = new IdentityEventsBuilder();
    const before = workload(w1, 30);
    await h.publish(before);
    await h.applied(before);
    const probe = before.find((e) => e.type === 'UserRegistered')!;

    const rebuild = startTracked('apps/profile-projector/src/rebuild/rebuild.main.js', { ...h.env, LOG_LEVEL: 'info' }, ['--keep-old']);
    const w2 = new IdentityEventsBuilder();
    const during = workload(w2, 20);
    await h.publish(during);
    // While it runs, the live model keeps serving (every query answers) and events keep
    // coming (about 20 a second, paced), so the swap meets a live consumer that is moving.
    const customers = during.filter((e) => e.type === 'UserRegistered').map((e) => e.aggregateId);
    let queries = 0;
    while (rebuild.child.exitCode === null && rebuild.child.signalCode === null) {
      if (queries < 1000) {
        const update = w2.updated(customers[queries % customers.length]!, { city: `city-${queries}` }, { attributes: { q: queries } });
        during.push(update);
        await h.publish([update]);
      }
      const reply = await h.get({ workspaceId: w1.workspaceId, profileId: probe.aggregateId });
      assert.equal(reply.ok, true, JSON.stringify(reply));
      queries++;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await rebuild.exited, 0, rebuild.output.slice(-20).join('\n'));
    assert.ok(queries > 0);
    for (const line of rebuild.output.filter((l) => /"msg":"(swapped|swap postponed|replayed to the watermarks)/.test(l)))
      t.diagnostic(line);

    // Row for row: the rebuilt model (now `profiles`) equals the one it replaced (`profiles_old`).
    const rebuilt = await rows('profiles', w1.workspaceId);
    assert.deepEqual(rebuilt, await rows('profiles_old', w1.workspaceId));
    assert.equal(
      rebuilt.profiles!.length,
      new Set(before.filter((e) => e.type === 'UserRegistered' || e.type === 'AnonymousClientCreated').map((e) => e.aggregateId)).size,
    );
    assert.deepEqual(await h.snapshot(w1.workspaceId), new MemoryProfileModel().applyAll(before).snapshot());

    // The live process went on in the swapped-in schema, under its own group, exactly.
    await h.applied(during);
    assert.deepEqual(await h.snapshot(w2.workspaceId), new MemoryProfileModel().applyAll(during).snapshot());
    const groups = await h.sql<{ group_id: string }>('SELECT DISTINCT group_id FROM profiles.consumer_checkpoints');
    assert.deepEqual(
      groups.map((g) => g.group_id),
      [h.groupId],
    );
    const [foreign] = await h.sql<{ n: string }>('SELECT count(*) AS n FROM profiles.processed_events WHERE group_id <> $1', [h.groupId]);
    assert.equal(Number(foreign!.n), 0, 'the rebuild handed its processed ids to the live group');
    const after = w1.updated(probe.aggregateId, { city: 'After the swap' });
    await h.publish([after]);
    const view = await h.get({
      workspaceId: w1.workspaceId,
      profileId: probe.aggregateId,
      minPosition: formatPosition(after.aggregateId, after.sequence),
    });
    assert.equal(view.ok && view.value.city, 'After the swap');
    const [old] = await h.sql<{ city: string | null }>(
      'SELECT city FROM profiles_old.profiles WHERE workspace_id = $1 AND profile_id = $2',
      [w1.workspaceId, probe.aggregateId],
    );
    assert.equal(old!.city, null, 'the replaced schema no longer receives events');
    assert.equal((await h.sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', ['profiles_rebuild'])).length, 0);
  });
});
