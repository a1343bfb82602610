import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityEvent } from '@idstream/contracts';
import { waitFor } from '@idstream/testing';
import { IdentityEventsBuilder, workload } from '../test-support/identity-events.builder';
import { ProjectorHarness } from '../test-support/projector.harness';
import { MemoryProfileModel } from '../test-support/profile.memory';

describe('profile projector crash recovery (real Kafka and PostgreSQL, a real process)', () => {
  const h = new ProjectorHarness();
  before(() => h.setUp());
  after(() => h.tearDown());

  it('SIGKILLed mid-batch, restarted, with everything redelivered, the read model ends exact', async () => {
    const oracle = new MemoryProfileModel();
    const all: IdentityEvent[] = [];
    let killedMidway = 0;
    for (let attempt = 0; attempt < 3 && killedMidway === 0; attempt++) {
      const b = new IdentityEventsBuilder();
      const events = workload(b, 50);
      const aggregates = new Set(events.map((e) => e.aggregateId)).size;
      all.push(...events);
      oracle.applyAll(events);
      await h.publish(events);
      let appliedAtKill = 0;
      await waitFor(
        async () => {
          const [row] = await h.sql<{ n: string }>('SELECT count(*) AS n FROM profiles.stream_positions WHERE workspace_id = $1', [
            b.workspaceId,
          ]);
          appliedAtKill = Number(row!.n);
          return appliedAtKill > 0;
        },
        { intervalMs: 5, timeoutMs: 60_000, what: 'the first applied batch' },
      );
      assert.equal(await h.stop('SIGKILL'), 'SIGKILL');
      if (appliedAtKill < aggregates) killedMidway++;
      // Redelivery on top of the crash: the outbox relay publishes the same envelopes again.
      await h.publish(events);
      await h.start();
      await h.applied(events, 'profiles', 90_000);
    }
    assert.ok(killedMidway > 0, 'the projector was never killed while a workload was half applied');

    const workspaces = [...new Set(all.map((e) => e.workspaceId))];
    const expected = oracle.snapshot();
    for (const ws of workspaces) {
      const mine = <T>(rows: T[], key: (r: T) => string) => rows.filter((r) => key(r) === ws);
      const actual = await h.snapshot(ws);
      assert.deepEqual(actual, {
        profiles: mine(expected.profiles, (r) => r.workspaceId),
        devices: mine(expected.devices, (r) => r.workspaceId),
        merges: mine(expected.merges, (r) => r.workspaceId),
        positions: expected.positions.filter(([k]) => k.startsWith(`${ws}/`)),
      });
    }
    const [dup] = await h.sql<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT event_id FROM profiles.processed_events WHERE group_id = $1 AND event_id = ANY($2::text[])) t',
      [h.groupId, all.map((e) => e.id)],
    );
    assert.equal(Number(dup!.n), all.length, 'every event id processed exactly once');
  });
});
