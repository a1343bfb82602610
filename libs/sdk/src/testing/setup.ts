import { Idstream, type IdstreamOptions } from '../idstream';
import { memoryStorage, type KeyValueStorage } from '../storage/storage';
import { FakeGateway, FakeTimers } from './fake-gateway';

export const START = Date.parse('2026-01-01T00:00:00.000Z');

/** An SDK against the fake gateway, with a fake clock and timers; `clock.now` moves only when a test moves it. */
export function setup(options: { storage?: KeyValueStorage; clock?: { now: number }; init?: Partial<IdstreamOptions> } = {}) {
  const clock = options.clock ?? { now: START };
  const gateway = new FakeGateway(clock);
  const timers = new FakeTimers(clock);
  const storage = options.storage ?? memoryStorage();
  const sdk = Idstream.init({
    baseUrl: 'http://gateway.test',
    apiKey: 'ck_test',
    fetch: gateway.fetch,
    now: () => clock.now,
    timers,
    storage,
    // Off unless a test is about it: the timers' recorded delays are then only the SDK's waits.
    requestTimeoutMs: 0,
    ...options.init,
  });
  return { clock, gateway, timers, storage, sdk };
}
