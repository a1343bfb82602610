import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, partitionLag } from '@idstream/runtime';
import { readProjectorConfig } from './projector.config';

describe('projector config', () => {
  it('has one default for every setting', () => {
    const c = readProjectorConfig({});
    assert.equal(c.schema, 'profiles');
    assert.equal(c.groupId, 'profile-projector');
    assert.equal(c.consistencyWaitMs, 2000);
    assert.equal(c.httpPort, 3002);
    assert.equal(c.tcpPort, 4002);
    assert.equal(c.maxBytesPerPartition, 262_144);
    assert.deepEqual(c.ownEvents, {
      schema: 'own_events',
      groupId: 'profile-projector.own-events',
      topic: 'tracking.events',
      retentionDays: 90,
      maintenanceIntervalMs: 3_600_000,
    });
  });

  it('keeps own events out of the schemas a rebuild renames', () => {
    for (const OWN_EVENTS_SCHEMA of ['profiles', 'profiles_old', 'profiles_rebuild']) {
      assert.throws(
        () => readProjectorConfig({ OWN_EVENTS_SCHEMA }),
        (e: unknown) => e instanceof ConfigError && e.variable === 'OWN_EVENTS_SCHEMA',
      );
    }
    assert.throws(
      () => readProjectorConfig({ OWN_EVENTS_RETENTION_DAYS: '0' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'OWN_EVENTS_RETENTION_DAYS',
    );
  });

  it('bounds the bytes a batch fetches per partition', () => {
    assert.equal(readProjectorConfig({ PROJECTOR_MAX_BYTES_PER_PARTITION: '1048576' }).maxBytesPerPartition, 1_048_576);
    for (const PROJECTOR_MAX_BYTES_PER_PARTITION of ['0', '100', String(128 * 1_048_576), 'lots']) {
      assert.throws(
        () => readProjectorConfig({ PROJECTOR_MAX_BYTES_PER_PARTITION }),
        (e: unknown) => e instanceof ConfigError && e.variable === 'PROJECTOR_MAX_BYTES_PER_PARTITION',
      );
    }
  });

  it('names the variable of a bad value', () => {
    assert.throws(
      () => readProjectorConfig({ PROJECTOR_SCHEMA: 'Profiles; drop' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'PROJECTOR_SCHEMA',
    );
    assert.throws(
      () => readProjectorConfig({ PROJECTOR_CONSISTENCY_WAIT_MS: 'soon' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'PROJECTOR_CONSISTENCY_WAIT_MS',
    );
  });
});

describe('consumer lag', () => {
  it('counts from the position, or from the low watermark without one', () => {
    assert.equal(partitionLag('100', '0', '60'), 40);
    assert.equal(partitionLag('100', '20', undefined), 80);
    assert.equal(partitionLag('100', '20', '-1'), 80);
    assert.equal(partitionLag('100', '0', '100'), 0);
    assert.equal(partitionLag('5', '0', '9'), 0);
  });
});
