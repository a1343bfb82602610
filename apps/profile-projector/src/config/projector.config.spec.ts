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
