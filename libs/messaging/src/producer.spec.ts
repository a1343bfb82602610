import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isBrokenSequence } from './producer';

describe('isBrokenSequence', () => {
  const protocolError = (type: string) => Object.assign(new KafkaJSProtocolError('broker said no'), { type });

  it('names the errors after which an idempotent producer must be replaced, also as the cause of exhausted retries', () => {
    for (const type of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']) {
      assert.equal(isBrokenSequence(protocolError(type)), true, type);
      assert.equal(isBrokenSequence(new KafkaJSNumberOfRetriesExceeded(protocolError(type), { retryCount: 8, retryTime: 100 })), true);
    }
  });

  it('leaves ordinary failures to an ordinary retry', () => {
    for (const error of [protocolError('NOT_LEADER_FOR_PARTITION'), new Error('Connection error: connect ECONNREFUSED'), undefined]) {
      assert.equal(isBrokenSequence(error), false);
    }
  });
});
