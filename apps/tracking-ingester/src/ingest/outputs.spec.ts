import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from '@idstream/testing';
import { MAX_ORIGINAL_BYTES, acceptedMessage, chunksOf, messageChunks, redactedOriginal, rejectedMessage } from './outputs';
import type { Candidate, Rejection } from './record.decide';

function validator(type: string) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot(), 'libs/contracts/schemas/tracking.v1', `${type}.schema.json`), 'utf8'),
  ) as object;
  return ajv.compile(schema);
}

const device = randomUUID();
const eventId = randomUUID();
const candidate: Candidate = {
  workspaceId: 'ws-1',
  deviceUuid: device,
  eventId,
  index: 0,
  receivedAt: Date.parse('2025-03-01T12:00:00.000Z'),
  raw: {},
  data: {
    eventId,
    eventType: 'purchase',
    label: null,
    params: { total: 3 },
    deviceUuid: device,
    profileId: null,
    anonymous: true,
    occurredAt: '2025-03-01T11:59:00.000Z',
    clientOccurredAt: null,
    sentAt: null,
    receivedAt: '2025-03-01T12:00:00.000Z',
    clockSkewMs: null,
    token: { kid: 'k', jti: 'j', sid: 's', role: 'anonymous' },
    requestId: 'req',
    source: { topic: 'tracking.raw', partition: 0, offset: '5', index: 0 },
  },
};

describe('ingester outputs', () => {
  it('wraps an accepted event in the envelope, keyed workspace:device, valid against its published schema', () => {
    const message = acceptedMessage(candidate, Date.now());
    assert.equal(message.key, `ws-1:${device}`);
    const envelope = JSON.parse(message.value) as { type: string; aggregateId: string; occurredAt: string };
    assert.equal(envelope.type, 'TrackingEventAccepted');
    assert.equal(envelope.aggregateId, device);
    assert.equal(envelope.occurredAt, candidate.data.occurredAt);
    assert.equal(message.headers['event-type'], 'TrackingEventAccepted');
    const validate = validator('TrackingEventAccepted');
    assert.equal(validate(envelope), true, JSON.stringify(validate.errors));
  });

  it('writes a rejection with base64 original bytes, never a token, valid against its schema', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const rejection: Rejection = {
      code: 'RECORD_MALFORMED',
      stage: 'parse',
      detail: 'not JSON',
      workspaceId: null,
      deviceUuid: device,
      eventId: null,
      requestId: null,
      receivedAt: null,
      original: Buffer.from(`{"token":"${token}", broken`),
      source: { topic: 'tracking.raw', partition: 1, offset: '9', index: null },
    };
    const message = rejectedMessage(rejection, Date.now());
    assert.equal(message.key, device);
    assert.equal(message.value.includes(token), false);
    const record = JSON.parse(message.value) as { original: string; code: string };
    assert.equal(Buffer.from(record.original, 'base64').toString(), '{"token":"[redacted]", broken');
    const validate = validator('TrackingEventRejected');
    assert.equal(validate(record), true, JSON.stringify(validate.errors));
  });

  it('keeps bytes that hold no token exactly, and cuts very large ones', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    assert.deepEqual(Buffer.from(redactedOriginal(binary).base64, 'base64'), binary);
    const huge = redactedOriginal(Buffer.alloc(MAX_ORIGINAL_BYTES + 10, 0x41));
    assert.equal(huge.truncated, true);
    assert.equal(Buffer.from(huge.base64, 'base64').length, MAX_ORIGINAL_BYTES);
  });

  it('splits sends by size', () => {
    const messages = Array.from({ length: 10 }, () => ({ key: 'k', value: 'x'.repeat(400), headers: {} }));
    const chunks = chunksOf(messages, 1100);
    assert.deepEqual(
      chunks.map((c) => c.length),
      [2, 2, 2, 2, 2],
    );
    assert.deepEqual(chunksOf([], 10), []);
  });

  it('builds the messages of the next send only when it is asked for', () => {
    let built = 0;
    const chunks = messageChunks(
      Array.from({ length: 10 }, (_, i) => i),
      (i) => {
        built++;
        return { key: 'k', value: `${i}`.padEnd(400, 'x'), headers: {} };
      },
      1100,
    );
    assert.equal(chunks.next().value?.length, 2);
    // The first chunk is complete when the third message does not fit: three built, not ten.
    assert.equal(built, 3);
    assert.deepEqual(
      [...chunks].map((c) => c.length),
      [2, 2, 2, 2],
    );
    assert.equal(built, 10);
  });
});
