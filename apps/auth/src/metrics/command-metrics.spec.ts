import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '@idstream/contracts';
import { commandOutcome } from './command-metrics';

describe('commandOutcome', () => {
  it('counts a value as ok', () => {
    assert.deepEqual(commandOutcome(C.ok({ id: 1 })), { outcome: 'ok', code: '' });
  });

  it('counts an expected refusal with its code', () => {
    assert.deepEqual(commandOutcome(C.fail('EMAIL_TAKEN', 'taken')), { outcome: 'refused', code: 'EMAIL_TAKEN' });
  });

  it('counts the catch-all answers of a fault as failed', () => {
    assert.deepEqual(commandOutcome(C.fail('INTERNAL', 'x')), { outcome: 'failed', code: 'INTERNAL' });
    assert.deepEqual(commandOutcome(C.fail('SERVICE_UNAVAILABLE', 'x')), { outcome: 'failed', code: 'SERVICE_UNAVAILABLE' });
  });

  it('counts a throw or a reply that is not a Reply as failed', () => {
    assert.deepEqual(commandOutcome(undefined, true), { outcome: 'failed', code: 'INTERNAL' });
    assert.deepEqual(commandOutcome('nonsense' as never), { outcome: 'failed', code: 'INTERNAL' });
  });
});
