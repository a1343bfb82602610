import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseIdentityEvent, parseWireIdentityEvent, uuidv7, type IdentityEventV1 } from '@idstream/contracts';
import { parseMasterKeys, unwrapDataKey, wrapDataKey } from './master-keys';
import { newDataKey, openIdentityEvent, openPaths, openValue, sealPaths, sealValue, sealedPathsOf } from './sealed-values';

const profileId = uuidv7();
const registered: IdentityEventV1 = {
  id: uuidv7(),
  type: 'UserRegistered',
  schemaVersion: 1,
  occurredAt: new Date().toISOString(),
  workspaceId: 'ws',
  aggregateId: profileId,
  sequence: 1,
  correlationId: 'c1',
  causationId: null,
  data: {
    profileId,
    email: 'Ada.Lovelace@example.com',
    profile: { firstName: 'Ada', lastName: 'Lovelace', birthDate: '1815-12-10' },
    agreements: { email: true },
    attributes: { plan: 'gold', visits: 3 },
    deviceUuid: null,
    registrationMode: 'automatic',
    status: 'active',
    emailConfirmed: false,
    attachedToImportedProfile: false,
  },
};

function sealed(key: Buffer) {
  return { ...registered, schemaVersion: 2, data: sealPaths(registered.data, sealedPathsOf('UserRegistered'), key, profileId) };
}

describe('sealed values', () => {
  it('round-trips any JSON value, with a fresh IV every time', () => {
    const key = newDataKey();
    for (const value of ['Ada', { a: [1, true, null] }, 42, false]) {
      const a = sealValue(key, profileId, 'email', value);
      const b = sealValue(key, profileId, 'email', value);
      assert.notEqual(a, b);
      assert.deepEqual(openValue(key, profileId, 'email', a), value);
    }
  });

  it('does not open with another key, profile or field, nor when tampered with', () => {
    const key = newDataKey();
    const s = sealValue(key, profileId, 'profile.firstName', 'Ada');
    assert.equal(openValue(newDataKey(), profileId, 'profile.firstName', s), undefined);
    assert.equal(openValue(key, uuidv7(), 'profile.firstName', s), undefined);
    assert.equal(openValue(key, profileId, 'profile.lastName', s), undefined);
    const flipped = s.slice(0, -2) + (s.endsWith('A') ? 'B' : 'A') + s.slice(-1);
    assert.equal(openValue(key, profileId, 'profile.firstName', flipped), undefined);
    assert.equal(openValue(key, profileId, 'profile.firstName', 'not sealed'), undefined);
  });

  it('seals every personal field of an envelope: no clear value is left, the schema of version 2 holds', () => {
    const key = newDataKey();
    const message = JSON.stringify(sealed(key));
    for (const clear of ['Lovelace', 'example.com', '1815-12', 'visits']) assert.ok(!message.includes(clear), `${clear} left in clear`);
    const parsed = parseWireIdentityEvent(message);
    assert.ok(parsed.ok, !parsed.ok ? parsed.error : '');
    assert.equal(parsed.value.schemaVersion, 2);
  });

  it('opens an envelope with the key; without it (erased) the personal fields are withheld', () => {
    const key = newDataKey();
    const parsed = parseWireIdentityEvent(JSON.stringify(sealed(key)));
    assert.ok(parsed.ok);
    const opened = openIdentityEvent(parsed.value, key);
    assert.deepEqual(opened.data, registered.data);
    const withheld = openIdentityEvent(parsed.value, null);
    assert.equal(withheld.type, 'UserRegistered');
    if (withheld.type === 'UserRegistered') {
      assert.equal(withheld.data.email, null);
      assert.deepEqual(withheld.data.profile, {});
      assert.deepEqual(withheld.data.attributes, {});
      assert.equal(withheld.data.status, 'active');
    }
    // parseIdentityEvent (consumers without keys) gives the withheld form; version 1 passes as it is.
    const plain = parseIdentityEvent(JSON.stringify(sealed(key)));
    assert.ok(plain.ok && plain.value.type === 'UserRegistered' && plain.value.data.email === null);
    const v1 = parseIdentityEvent(JSON.stringify(registered));
    assert.ok(v1.ok);
    assert.deepEqual(v1.value, registered);
  });

  it('refuses a sealed envelope whose personal field travels in clear', () => {
    const bad = { ...sealed(newDataKey()), data: { ...sealed(newDataKey()).data, email: 'ada@example.com' } };
    const parsed = parseWireIdentityEvent(JSON.stringify(bad));
    assert.equal(!parsed.ok && parsed.reason, 'invalid');
  });

  it('leaves absent fields absent and withholds object fields as {}', () => {
    const key = newDataKey();
    const paths = sealedPathsOf('AccountUpdated');
    const data = { profileId, changes: { phone: '+33 6 12 34 56 78' } };
    const s = sealPaths(data, paths, key, profileId);
    assert.equal('agreements' in s, false);
    assert.deepEqual(openPaths(s, paths, key, profileId), data);
    assert.deepEqual(openPaths(s, paths, null, profileId), { profileId, changes: {} });
  });
});

describe('master keys', () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64url');

  it('parses ids and keys, the first current', () => {
    const master = parseMasterKeys(`2026a:${k1}, 2025b:${k2}`);
    assert.equal(master.currentId, '2026a');
    assert.equal(master.keys.size, 2);
  });

  it('names the problem, never the key', () => {
    for (const bad of ['', 'nokey', `:${k1}`, 'a:short', `a:${k1},a:${k2}`, 'a:!!!!'])
      assert.throws(
        () => parseMasterKeys(bad),
        (e: Error) => !e.message.includes(k1) && e.message.length > 0,
      );
  });

  it('wraps a data key under the current key; an old key still unwraps; a wrong key does not', () => {
    const old = parseMasterKeys(`old:${k1}`);
    const dataKey = newDataKey();
    const { masterKeyId, wrapped } = wrapDataKey(old, profileId, dataKey);
    const rotated = parseMasterKeys(`new:${k2},old:${k1}`);
    assert.deepEqual(unwrapDataKey(rotated, profileId, masterKeyId, wrapped), dataKey);
    assert.equal(wrapDataKey(rotated, profileId, dataKey).masterKeyId, 'new');
    const wrong = parseMasterKeys(`old:${k2}`);
    assert.equal(unwrapDataKey(wrong, profileId, masterKeyId, wrapped), null);
    assert.equal(unwrapDataKey(old, uuidv7(), masterKeyId, wrapped), null);
  });
});
