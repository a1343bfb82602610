import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessTokenClaims } from '@idstream/crypto';
import { VerifiedTokens } from './verified-tokens';

const claims = (iat: number, exp: number): AccessTokenClaims => ({
  iss: 'idstream',
  aud: 'ws',
  sub: 's',
  uuid: 'u',
  role: 'anonymous',
  scope: '',
  sid: 'sid',
  jti: 'j',
  iat,
  exp,
});
const at = (sec: number) => new Date(sec * 1000);
const anyKey = () => true;

describe('verified tokens cache', () => {
  it('answers a remembered token until it expires (with the tolerance)', () => {
    const cache = new VerifiedTokens(10, 5);
    cache.remember('t', claims(1000, 1060), 'k');
    assert.equal(cache.get('t', at(1030), anyKey)?.exp, 1060);
    assert.ok(cache.get('t', at(1064), anyKey), 'inside the tolerance');
    assert.equal(cache.get('t', at(1065), anyKey), undefined);
    assert.equal(cache.size, 0, 'forgotten once expired');
    assert.equal(cache.get('other', at(1030), anyKey), undefined);
  });

  it('forgets a token whose key was retired, and never answers one issued in the future', () => {
    const cache = new VerifiedTokens(10, 5);
    cache.remember('t', claims(1000, 1060), 'k');
    assert.equal(
      cache.get('t', at(1030), (kid) => kid !== 'k'),
      undefined,
    );
    cache.remember('f', claims(2000, 2060), 'k');
    assert.equal(cache.get('f', at(1990), anyKey), undefined);
    assert.ok(cache.get('f', at(1996), anyKey));
  });

  it('holds at most its bound, the oldest going first', () => {
    const cache = new VerifiedTokens(2, 5);
    cache.remember('a', claims(1000, 1060), 'k');
    cache.remember('b', claims(1000, 1060), 'k');
    cache.remember('c', claims(1000, 1060), 'k');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', at(1001), anyKey), undefined);
    assert.ok(cache.get('c', at(1001), anyKey));
  });
});
