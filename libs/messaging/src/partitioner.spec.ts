import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { cachingPartitioner } from './partitioner';

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('cachingPartitioner', () => {
  it('answers what the default partitioner answers, for string and Buffer keys, also after the topic grew', () => {
    const cached = cachingPartitioner(50)();
    const plain = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 200 }, () => randomUUID());
    for (const n of [1, 3, 6, 7]) {
      for (const key of [...keys, ...keys]) {
        for (const k of [key, Buffer.from(key)]) {
          const args: PartitionerArgs = { topic: 't', partitionMetadata: metadata(n), message: { key: k, value: 'v' } };
          assert.equal(cached(args), plain(args), `${n} partitions, key ${key}`);
        }
      }
    }
  });

  it('keeps an explicit partition', () => {
    const cached = cachingPartitioner()();
    assert.equal(cached({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: 'v', partition: 4 } }), 4);
  });
});
