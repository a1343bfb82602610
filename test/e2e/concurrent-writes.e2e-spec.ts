import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestSystem } from '@idstream/testing';
import { customer } from './helpers';

/**
 * Concurrent commands on ONE profile (issue 14): writers in the same auth process queue per
 * profile instead of racing for the stream's next sequence, so none of them exhausts the
 * optimistic retries and answers a 500.
 */
describe('concurrent writes to one profile end to end', () => {
  const system = new TestSystem();

  before(async () => {
    await system.start();
  });

  after(async () => {
    await system.stop();
  });

  it('16 concurrent PATCH /v1/account on one profile all answer 200; the final read equals the last applied', async () => {
    const c = await customer(system);
    const writers = Array.from({ length: 16 }, (_, i) => i);
    const responses = await Promise.all(
      writers.map((i) =>
        system.http('PATCH', '/v1/account', { token: c.token, body: { firstName: `Writer${i}`, attributes: { [`w${i}`]: 'done' } } }),
      ),
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      writers.map(() => 200),
      JSON.stringify(responses.filter((r) => r.status !== 200).map((r) => r.body)),
    );
    // Attributes merge, so the update applied last is the one whose answer holds all 16 of them.
    const lastApplied = responses.filter((r) => Object.keys(r.body.attributes ?? {}).length === writers.length);
    assert.equal(lastApplied.length, 1);
    const read = await system.http('GET', '/v1/account', { token: c.token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, lastApplied[0]!.body);
  });
});
