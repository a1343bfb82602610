import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStorage } from '../storage/storage';
import { sidOf } from '../testing/fake-gateway';
import { setup } from '../testing/setup';

const sentIds = (gateway: ReturnType<typeof setup>['gateway']) =>
  gateway.requests('POST /v1/events').flatMap((r) => r.body.events.map((e: { id: string }) => e.id));

describe('tracker', () => {
  it('sends full batches at once, in the order tracked, with uuid v7 ids', async () => {
    const { sdk, gateway, timers } = setup();
    const tracked: string[] = [];
    await Promise.all(Array.from({ length: 250 }, (_, i) => sdk.tracker.track('view', { i })));
    await timers.advance(0);
    await timers.until(sdk.tracker.flush());
    const batches = gateway.requests('POST /v1/events');
    assert.deepEqual(
      batches.map((b) => b.body.events.length),
      [100, 100, 50],
    );
    const all = batches.flatMap((b) => b.body.events);
    assert.deepEqual(
      all.map((e: { params: { i: number } }) => e.params.i),
      Array.from({ length: 250 }, (_, i) => i),
    );
    for (const e of all) {
      assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      tracked.push(e.id);
    }
    assert.equal(new Set(tracked).size, 250);
    assert.deepEqual(await sdk.tracker.stats(), { queued: 0, dropped: 0, undeliverable: 0, rejected: 0 });
  });

  it('sends a partial batch when the interval (5 s) has passed, not before', async () => {
    const { sdk, gateway, timers } = setup();
    await sdk.tracker.track('a');
    await sdk.tracker.track('b', undefined, { label: 'home' });
    await timers.advance(4999);
    assert.equal(gateway.requests('POST /v1/events').length, 0);
    await timers.advance(1);
    await timers.until(new Promise((resolve) => setImmediate(resolve)));
    const [request] = gateway.requests('POST /v1/events');
    assert.deepEqual(
      request!.body.events.map((e: { type: string; label?: string }) => [e.type, e.label]),
      [
        ['a', undefined],
        ['b', 'home'],
      ],
    );
  });

  it('retries with the same ids after Retry-After on 503 and 429', async () => {
    const { sdk, gateway, timers } = setup();
    let calls = 0;
    gateway.on('POST /v1/events', (r) => {
      calls++;
      if (calls === 1) return { status: 503, body: { code: 'SERVICE_UNAVAILABLE' }, headers: { 'Retry-After': '7' } };
      if (calls === 2) return { status: 429, body: { code: 'RATE_LIMITED' }, headers: { 'Retry-After': '30' } };
      return { status: 202, body: { accepted: r.body.events.length, rejected: [] } };
    });
    await Promise.all([sdk.tracker.track('a'), sdk.tracker.track('b')]);
    const before = timers.delays.length;
    const result = await timers.until(sdk.tracker.flush());
    assert.deepEqual(result, { empty: true, queued: 0 });
    const attempts = gateway.requests('POST /v1/events').map((r) => r.body.events.map((e: { id: string }) => e.id).join());
    assert.equal(attempts.length, 3);
    assert.equal(new Set(attempts).size, 1, 'every retry carries the same ids');
    assert.deepEqual(
      timers.delays.slice(before).filter((d) => d === 7000 || d === 30_000),
      [7000, 30_000],
    );
  });

  it('backs off exponentially on network errors, and flush() gives up after 5 failures keeping the events', async () => {
    const { sdk, gateway, timers } = setup();
    gateway.on('POST /v1/events', () => 'network-error');
    await sdk.tracker.track('a');
    const before = timers.delays.length;
    const result = await timers.until(sdk.tracker.flush());
    assert.deepEqual(result, { empty: false, queued: 1 });
    assert.equal(gateway.requests('POST /v1/events').length, 5);
    const waits = timers.delays.slice(before).filter((d) => d >= 1000 && d !== 5000);
    assert.equal(waits.length, 4);
    [1000, 2000, 4000, 8000].forEach((base, i) => assert.ok(waits[i]! >= base && waits[i]! <= base * 1.1, `wait ${i}: ${waits[i]}`));
  });

  it('bounds the queue: the oldest are dropped and counted', async () => {
    const { sdk, gateway } = setup({ init: { tracker: { maxQueueSize: 10 } } });
    gateway.on('POST /v1/events', () => 'network-error');
    for (let i = 0; i < 15; i++) await sdk.tracker.track('e', { i });
    const stats = await sdk.tracker.stats();
    assert.equal(stats.queued, 10);
    assert.equal(stats.dropped, 5);
    gateway.on('POST /v1/events', (r) => ({ status: 202, body: { accepted: r.body.events.length, rejected: [] } }));
    const { gateway: _g } = { gateway };
    await sdk.tracker.flush();
    const sent = gateway
      .requests('POST /v1/events')
      .at(-1)!
      .body.events.map((e: { params: { i: number } }) => e.params.i);
    assert.deepEqual(sent, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('keeps order and the bound across segments (batches of 3, at most 7 queued)', async () => {
    const { sdk, gateway, timers } = setup({ init: { tracker: { batchSize: 3, maxQueueSize: 7 } } });
    gateway.on('POST /v1/events', () => 'network-error');
    for (let i = 0; i < 12; i++) void sdk.tracker.track('e', { i });
    await sdk.tracker.stats();
    for (let i = 12; i < 14; i++) await sdk.tracker.track('e', { i });
    assert.deepEqual(await sdk.tracker.stats(), { queued: 7, dropped: 7, undeliverable: 0, rejected: 0 });
    gateway.on('POST /v1/events', (r) => ({ status: 202, body: { accepted: r.body.events.length, rejected: [] } }));
    const before = gateway.requests('POST /v1/events').length;
    await timers.until(sdk.tracker.flush());
    const sent = gateway.requests('POST /v1/events').slice(before);
    assert.deepEqual(
      sent.map((r) => r.body.events.map((e: { params: { i: number } }) => e.params.i)),
      [[7, 8, 9], [10, 11, 12], [13]],
    );
    assert.equal((await sdk.tracker.stats()).queued, 0);
  });

  it('sends events with the token of the identity that recorded them, across sign-in and sign-out', async () => {
    const { sdk, gateway, timers } = setup();
    await sdk.client.getUUID();
    await sdk.tracker.track('before-sign-in');
    await sdk.client.signIn('a@example.test', 'Str0ng!pass');
    await sdk.tracker.track('signed-in');
    await timers.until(sdk.client.signOut());
    await sdk.tracker.track('after-sign-out');
    await timers.until(sdk.tracker.flush());
    const routes = gateway.received.filter((r) => r.path === '/v1/events' || r.path === '/v1/auth/sign-out');
    assert.deepEqual(
      routes.map((r) => [
        r.path,
        r.body?.events?.map((e: { type: string }) => e.type).join() ?? '',
        sidOf(r.token).startsWith('anon-') ? 'anonymous' : 'customer',
      ]),
      [
        ['/v1/events', 'before-sign-in', 'anonymous'],
        ['/v1/events', 'signed-in', 'customer'],
        ['/v1/auth/sign-out', '', 'customer'],
        ['/v1/events', 'after-sign-out', 'anonymous'],
      ],
    );
  });

  it('counts events of a session that ended before they were sent as undeliverable, never sends them with another token', async () => {
    const { sdk, gateway, timers } = setup();
    await sdk.client.signIn('a@example.test', 'Str0ng!pass');
    gateway.on('POST /v1/events', () => ({ status: 401, body: { code: 'TOKEN_REVOKED', reason: 'admin' } }));
    await sdk.tracker.track('x');
    await timers.until(sdk.tracker.flush());
    assert.equal((await sdk.tracker.stats()).undeliverable, 1);
    assert.equal(gateway.requests('POST /v1/events').length, 1);
    assert.equal(await sdk.client.isSignedIn(), false);
  });

  it('events survive a restart on the same storage and are sent by the next instance', async () => {
    const storage = memoryStorage();
    const first = setup({ storage });
    first.gateway.on('POST /v1/events', () => 'network-error');
    await first.sdk.tracker.track('kept', { n: 1 });
    first.sdk.close();
    const second = setup({ storage, clock: first.clock });
    await second.timers.until(second.sdk.tracker.flush());
    assert.deepEqual(
      second.gateway.requests('POST /v1/events')[0]!.body.events.map((e: { type: string }) => e.type),
      ['kept'],
    );
    assert.equal(sentIds(second.gateway)[0], first.gateway.requests('POST /v1/events')[0]?.body.events[0].id ?? sentIds(second.gateway)[0]);
  });

  it('rejects bad arguments at track(), before anything is queued', async () => {
    const { sdk } = setup();
    assert.throws(() => void sdk.tracker.track(''), /type/);
    assert.throws(() => void sdk.tracker.track('x'.repeat(101)), /type/);
    assert.throws(() => void sdk.tracker.track('x', [] as never), /params/);
    assert.throws(() => void sdk.tracker.track('x', { big: 'y'.repeat(9000) }), /params/);
    assert.throws(() => void sdk.tracker.track('x', {}, { label: '' }), /label/);
    assert.equal((await sdk.tracker.stats()).queued, 0);
  });
});
