import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearerCredential, looksLikeJwt, readJwtHeader } from './jwt-shape';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT shape', () => {
  const jwt = `${b64({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' })}.${b64({ sub: 'x' })}.c2lnbmF0dXJl`;

  it('recognises a compact JWS and reads its header', () => {
    assert.equal(looksLikeJwt(jwt), true);
    assert.deepEqual(readJwtHeader(jwt), { alg: 'EdDSA', kid: 'k1', typ: 'JWT' });
    // An unsigned token (alg none) has an empty third part: still a JWT by shape.
    assert.equal(looksLikeJwt(`${b64({ alg: 'none' })}.${b64({})}.`), true);
  });

  it('does not take a server key or junk for a JWT', () => {
    assert.equal(looksLikeJwt('Q2lkc3RyZWFtLXNlcnZlci1rZXktMzItYnl0ZXMtcmFuZG9t'), false);
    assert.equal(looksLikeJwt('a.b'), false);
    assert.equal(looksLikeJwt('a.b.c.d'), false);
    assert.equal(looksLikeJwt(`${b64('just a string')}.${b64({})}.sig`), false, 'the header must be a JSON object');
    assert.equal(looksLikeJwt(`${b64([1])}.${b64({})}.sig`), false);
    assert.equal(looksLikeJwt(`bm90IGpzb24.${b64({})}.sig`), false, 'the header must be JSON');
    assert.equal(looksLikeJwt(`${b64({ alg: 'EdDSA' })}.pay load.sig`), false);
    assert.equal(looksLikeJwt(''), false);
  });

  it('reads the credential of a Bearer authorization header only', () => {
    assert.equal(bearerCredential('Bearer abc.def'), 'abc.def');
    assert.equal(bearerCredential('bearer   abc'), 'abc');
    assert.equal(bearerCredential('Basic abc'), null);
    assert.equal(bearerCredential('Bearer'), null);
    assert.equal(bearerCredential('Bearer a b'), null);
    assert.equal(bearerCredential(undefined), null);
  });
});
