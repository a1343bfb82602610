import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessTokenClaims } from '@idstream/crypto';
import { introspectionOf } from './token-introspection';

const claims: AccessTokenClaims = {
  iss: 'idstream',
  aud: 'ws-1',
  sub: 'profile-1',
  uuid: 'device-1',
  role: 'customer',
  scope: 'events:track account:read',
  sid: 'session-1',
  jti: 'token-1',
  iat: 1_800_000_000,
  exp: 1_800_003_600,
};

describe('token introspection answer', () => {
  it('lists the RFC 7662 claims of an active token, nothing else', () => {
    assert.deepEqual(introspectionOf(claims, 'ws-1', false), {
      active: true,
      sub: 'profile-1',
      sid: 'session-1',
      role: 'customer',
      uuid: 'device-1',
      scope: 'events:track account:read',
      aud: 'ws-1',
      iss: 'idstream',
      exp: 1_800_003_600,
      iat: 1_800_000_000,
    });
  });

  it('is inactive, with no reason, for another workspace or a closed session', () => {
    assert.deepEqual(introspectionOf(claims, 'ws-2', false), { active: false });
    assert.deepEqual(introspectionOf(claims, 'ws-1', true), { active: false });
  });
});
