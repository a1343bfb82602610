import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, randomToken, sha256Hex } from './secrets';

describe('secrets', () => {
  it('makes 32-byte base64url tokens by default, different every time', () => {
    const a = randomToken();
    const b = randomToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a, 'base64url').length, 32);
    assert.notEqual(a, b);
  });

  it('makes tokens of the requested size and refuses a nonsense size', () => {
    assert.equal(Buffer.from(randomToken(16), 'base64url').length, 16);
    assert.throws(() => randomToken(0), RangeError);
    assert.throws(() => randomToken(2.5), RangeError);
  });

  it('hashes with SHA-256 to hex', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('compares secrets of any lengths', () => {
    assert.equal(constantTimeEqual('s3cret', 's3cret'), true);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('s3cret', 's3creT'), false);
    assert.equal(constantTimeEqual('s3cret', 's3cret!'), false);
    assert.equal(constantTimeEqual('', 'x'), false);
    assert.equal(constantTimeEqual('s3cret', undefined as unknown as string), false);
  });
});
