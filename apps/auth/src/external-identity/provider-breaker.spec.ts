import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, ProviderBreakers, ProviderUnavailable } from './provider-breaker';

/** A breaker on a clock the test moves; `fail` and `succeed` stand for one fetch of the provider. */
function breakerOnClock(failureThreshold = 3, openMs = 1000) {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker({ failureThreshold, openMs }, () => clock.now);
  let calls = 0;
  const fail = () =>
    breaker.run(async () => {
      calls++;
      throw new Error('provider down');
    });
  const succeed = () =>
    breaker.run(async () => {
      calls++;
      return 'keys';
    });
  return { clock, breaker, fail, succeed, calls: () => calls };
}

describe('CircuitBreaker (one identity provider)', () => {
  it('stays closed below the threshold, and a success resets the count', async () => {
    const b = breakerOnClock(3);
    await assert.rejects(b.fail());
    await assert.rejects(b.fail());
    assert.equal(await b.succeed(), 'keys');
    await assert.rejects(b.fail());
    await assert.rejects(b.fail());
    assert.equal(b.breaker.state, 'closed');
  });

  it('opens after the threshold of failures in a row and then refuses at once without calling the provider', async () => {
    const b = breakerOnClock(3, 1000);
    for (let i = 0; i < 3; i++) await assert.rejects(b.fail(), /provider down/);
    assert.equal(b.breaker.state, 'open');
    const calls = b.calls();
    await assert.rejects(b.succeed(), ProviderUnavailable);
    b.clock.now = 999;
    await assert.rejects(b.succeed(), ProviderUnavailable);
    assert.equal(b.calls(), calls, 'no fetch while open');
  });

  it('half-opens after openMs: one probe at a time; a good probe closes it', async () => {
    const b = breakerOnClock(1, 1000);
    await assert.rejects(b.fail());
    b.clock.now = 1000;
    assert.equal(b.breaker.state, 'half-open');
    let release!: (value: string) => void;
    const probe = b.breaker.run(() => new Promise<string>((resolve) => (release = resolve)));
    await assert.rejects(b.succeed(), ProviderUnavailable, 'a second request while the probe is out fails at once');
    release('keys');
    assert.equal(await probe, 'keys');
    assert.equal(b.breaker.state, 'closed');
    assert.equal(await b.succeed(), 'keys');
  });

  it('a failed probe opens it again for another openMs', async () => {
    const b = breakerOnClock(2, 1000);
    await assert.rejects(b.fail());
    await assert.rejects(b.fail());
    b.clock.now = 1500;
    await assert.rejects(b.fail(), /provider down/, 'the probe reaches the provider');
    assert.equal(b.breaker.state, 'open');
    b.clock.now = 2499;
    await assert.rejects(b.succeed(), ProviderUnavailable);
    b.clock.now = 2500;
    assert.equal(await b.succeed(), 'keys');
  });
});

describe('ProviderBreakers', () => {
  it('keeps one breaker per provider, so one provider down never refuses another, bounded in number', async () => {
    const breakers = new ProviderBreakers({ failureThreshold: 1, openMs: 1000, maxProviders: 2 }, () => 0);
    await assert.rejects(breakers.of('down').run(() => Promise.reject(new Error('x'))));
    assert.equal(breakers.of('down').state, 'open');
    assert.equal(await breakers.of('good').run(async () => 'ok'), 'ok');
    breakers.of('third');
    breakers.of('fourth');
    assert.equal(breakers.of('down').state, 'closed', 'the least recently used was forgotten');
  });
});
