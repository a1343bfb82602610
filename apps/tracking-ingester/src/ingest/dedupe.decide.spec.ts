import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstOfEachId, samePosition, type Sighting } from './dedupe.decide';

const sighting = (eventId: string, offset: string, index = 0, extra: Partial<Sighting> = {}): Sighting => ({
  workspaceId: 'ws',
  deviceUuid: 'dev',
  eventId,
  group: 'g',
  partition: 0,
  offset,
  index,
  ...extra,
});

describe('de-duplication decisions', () => {
  it('treats the redelivery of the very input position that remembered an id as its first sighting', () => {
    const remembered = { group: 'g', partition: 0, offset: '41', index: 2 };
    assert.equal(samePosition(remembered, sighting('e', '41', 2)), true, 'the Kafka transaction of that batch never committed: emit it');
    assert.equal(samePosition(remembered, sighting('e', '41', 3)), false, 'the same id twice in one record');
    assert.equal(samePosition(remembered, sighting('e', '42', 2)), false, 'a client retry, at a later offset');
    assert.equal(samePosition(remembered, sighting('e', '41', 2, { partition: 1 })), false);
    assert.equal(samePosition(remembered, sighting('e', '41', 2, { group: 'other' })), false, 'another group replaying the topic');
    assert.equal(samePosition({ ...remembered, offset: '041' }, sighting('e', '41', 2)), true, 'offsets compare as numbers');
  });

  it('keeps the first claim of each id in a batch, in input order', () => {
    const claims = [
      sighting('a', '1'),
      sighting('b', '1', 1),
      sighting('a', '2'),
      sighting('a', '1', 2),
      sighting('a', '1', 0, { deviceUuid: 'other' }),
    ];
    assert.deepEqual(firstOfEachId(claims), { first: [0, 1, 4], repeats: [2, 3] });
  });
});
