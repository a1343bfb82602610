import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@idstream/runtime';
import { readIngesterConfig } from './ingester.config';

describe('ingester config', () => {
  it('has a documented default for everything', () => {
    const config = readIngesterConfig({});
    assert.equal(config.groupId, 'tracking-ingester');
    assert.equal(config.identityGroupId, 'tracking-ingester-identity');
    assert.equal(config.tokenIssuer, 'idstream');
    assert.deepEqual(config.auth, { host: '127.0.0.1', port: 4001 });
    assert.equal(config.maxFutureMs, 300_000);
    assert.equal(config.maxPastMs, 86_400_000);
    assert.equal(config.dedupeWindowMs, 90_000_000);
    assert.equal(config.identityGraceMs, 500);
    assert.deepEqual(config.ingesterTopics, {
      raw: 'tracking.raw',
      events: 'tracking.events',
      rejected: 'tracking.rejected',
      identity: 'identity.events',
    });
  });

  it('creates overridden topics like the ones they replace', () => {
    const config = readIngesterConfig({ INGESTER_RAW_TOPIC: 'raw-test', TRACKING_PARTITIONS: '4' });
    assert.equal(config.topics.find((t) => t.topic === 'raw-test')?.partitions, 4);
  });

  it('refuses a de-duplication window shorter than the accepted age, and names the variable', () => {
    assert.throws(
      () => readIngesterConfig({ INGESTER_MAX_PAST_SECONDS: '172800', INGESTER_DEDUPE_WINDOW_SECONDS: '100000' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'INGESTER_DEDUPE_WINDOW_SECONDS',
    );
    assert.throws(() => readIngesterConfig({ INGESTER_DEDUPE_WINDOW_SECONDS: '3600' }), /INGESTER_DEDUPE_WINDOW_SECONDS/);
    assert.throws(
      () => readIngesterConfig({ INGESTER_GROUP_ID: 'same', INGESTER_IDENTITY_GROUP_ID: 'same' }),
      /INGESTER_IDENTITY_GROUP_ID/,
    );
  });
});
