import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { crc32c, encodeRecord, installRecordEncoder } from './record-encoder';

type RecordFn = (input: Parameters<typeof encodeRecord>[0]) => { buffer: Buffer };
// kafkajs's own encoder, loaded before anything is installed in this process.
const kafkajsRequire = createRequire(require.resolve('kafkajs'));
const original = kafkajsRequire('./src/protocol/recordBatch/record/v0/index.js') as RecordFn;
const originalCrc = kafkajsRequire('./src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

const same = (input: Parameters<typeof encodeRecord>[0], what: string) =>
  assert.deepEqual(encodeRecord(input).buffer, original(input).buffer, what);

describe('encodeRecord', () => {
  it("writes kafkajs's bytes for keys, values and headers of every kind", () => {
    const long = 'é'.repeat(70_000);
    const keys: (Buffer | string | null | undefined)[] = [
      null,
      undefined,
      '',
      'k',
      randomUUID(),
      Buffer.from('bytes'),
      randomBytes(300),
      'ключ',
      long,
    ];
    const values: (Buffer | string | null)[] = [null, '', 'v', JSON.stringify({ a: 'ü€😀', n: 1 }), randomBytes(5000), 'x'.repeat(200_000)];
    const headerSets: (Record<string, Buffer | string | (Buffer | string)[]> | undefined)[] = [
      undefined,
      {},
      { 'event-type': 'TrackingEventAccepted', 'schema-version': '1', 'correlation-id': randomUUID() },
      { many: ['a', 'b', Buffer.from('c')], empty: '', ünïcode: '値' },
      { bytes: randomBytes(40) },
    ];
    for (const key of keys)
      for (const value of values)
        for (const headers of headerSets) same({ key, value, headers, offsetDelta: 0, timestampDelta: 0 }, `${String(key)?.slice(0, 20)}`);
  });

  it('writes the deltas as kafkajs does, small and large', () => {
    for (const offsetDelta of [0, 1, 63, 64, 127, 128, 8191, 8192, 1_000_000, 2 ** 31 - 1])
      for (const timestampDelta of [0, 1, 63, 64, 1000, 2 ** 31, 2 ** 35 + 7, 1_764_600_000_000, -1, -64, -65])
        same(
          { key: 'k', value: 'v', headers: { h: 'x' }, offsetDelta, timestampDelta },
          `offset ${offsetDelta}, timestamp ${timestampDelta}`,
        );
    same({ key: 'k', value: 'v' }, 'defaults');
  });

  it("answers kafkajs's CRC-32C for every length and content", () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283, 'the check value of CRC-32C');
    for (let length = 0; length < 70; length++) {
      const buffer = randomBytes(length);
      assert.equal(crc32c(buffer), originalCrc(buffer), `length ${length}`);
    }
    for (const length of [511, 4096, 100_003, 600_000]) {
      const buffer = randomBytes(length);
      assert.equal(crc32c(buffer), originalCrc(buffer), `length ${length}`);
      assert.equal(crc32c(buffer.subarray(3)), originalCrc(buffer.subarray(3)), `length ${length}, unaligned`);
    }
    assert.equal(crc32c(Buffer.alloc(1000, 0xff)), originalCrc(Buffer.alloc(1000, 0xff)));
  });

  it('takes the place of the record encoder and the checksum before the first fetch or produce', () => {
    assert.equal(installRecordEncoder(), true);
    assert.equal(kafkajsRequire('./src/protocol/recordBatch/record/v0/index.js'), encodeRecord);
    assert.equal(kafkajsRequire('./src/protocol/recordBatch/crc32C/index.js'), crc32c);
    assert.equal(installRecordEncoder(), true, 'installing twice is harmless');
  });
});
