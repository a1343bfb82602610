import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  ANONYMOUS_SCOPE,
  CUSTOMER_SCOPE,
  exportPrivateKey,
  generateSigningKey,
  hasScope,
  importSigningKey,
  jwkThumbprint,
  readAccessTokenClaims,
  scopeForRole,
  signAccessToken,
  type AccessTokenClaims,
} from './tokens';
import { KeySet, verifyAccessToken } from './key-set';

const NOW = new Date('2031-05-04T12:00:00Z');
const NOW_SEC = Math.floor(NOW.getTime() / 1000);

function claims(overrides: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: 'https://id.example.test',
    aud: 'ws-1',
    sub: 'profile-1',
    uuid: 'device-1',
    role: 'customer',
    scope: CUSTOMER_SCOPE,
    sid: 'session-1',
    jti: 'jti-1',
    iat: NOW_SEC,
    exp: NOW_SEC + 3600,
    ...overrides,
  };
}

describe('signing keys and tokens', () => {
  it('generates an Ed25519 key whose kid is the RFC 7638 thumbprint of its public JWK', async () => {
    const key = await generateSigningKey(NOW);
    assert.equal(key.privateKey.asymmetricKeyType, 'ed25519');
    assert.equal(key.privateKey.type, 'private');
    assert.deepEqual(Object.keys(key.publicJwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    assert.equal(key.publicJwk.kty, 'OKP');
    assert.equal(key.publicJwk.crv, 'Ed25519');
    assert.equal(key.publicJwk.alg, 'EdDSA');
    assert.equal(key.publicJwk.use, 'sig');
    assert.equal(Buffer.from(key.publicJwk.x, 'base64url').length, 32);
    assert.equal(key.kid, key.publicJwk.kid);
    assert.equal(key.kid, jwkThumbprint(key.publicJwk));
    assert.equal(key.createdAt, NOW);
    assert.notEqual((await generateSigningKey(NOW)).kid, key.kid);
  });

  it('computes the RFC 8037 appendix A.3 thumbprint', () => {
    const x = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
    assert.equal(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('exports and imports ES256 and RS256 keys, the algorithm following from the key', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const key = await generateSigningKey(NOW, alg);
      assert.equal(key.alg, alg);
      assert.equal(key.publicJwk.alg, alg);
      assert.equal(key.publicJwk.use, 'sig');
      assert.equal(key.kid, jwkThumbprint(key.publicJwk));
      assert.equal('d' in key.publicJwk, false);
      const back = importSigningKey(key.kid, exportPrivateKey(key), NOW);
      assert.equal(back.alg, alg);
      assert.deepEqual(back.publicJwk, key.publicJwk);
    }
  });

  it('exports a private key as PKCS#8 PEM and imports it back as the same key', async () => {
    const key = await generateSigningKey(NOW);
    const pem = exportPrivateKey(key);
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    const createdAt = new Date('2031-01-01T00:00:00Z');
    const imported = importSigningKey(key.kid, pem, createdAt);
    assert.equal(imported.kid, key.kid);
    assert.deepEqual(imported.publicJwk, key.publicJwk);
    assert.equal(imported.createdAt, createdAt);
    // A token signed by the imported key verifies against the original public key.
    const keys = new KeySet();
    keys.add(key.publicJwk);
    const result = await verifyAccessToken(await signAccessToken(imported, claims()), { keys, issuer: claims().iss, now: NOW });
    assert.equal(result.ok, true);
  });

  it('refuses to import a key that is not Ed25519, P-256 or RSA >= 2048 bits', () => {
    for (const { privateKey } of [
      generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      generateKeyPairSync('rsa', { modulusLength: 1024 }),
      generateKeyPairSync('x25519'),
    ]) {
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      assert.throws(() => importSigningKey('kid-other', pem, NOW), TypeError);
    }
    assert.throws(() => importSigningKey('kid-junk', 'not a pem', NOW));
  });

  it('signs EdDSA JWTs with the kid in the header and exactly the access-token claims', async () => {
    const key = await generateSigningKey(NOW);
    const token = await signAccessToken(key, { ...claims(), extra: 'dropped' } as AccessTokenClaims);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', kid: key.kid, typ: 'JWT' });
    assert.deepEqual(decodeJwt(token), claims());
  });

  it('refuses to sign claims that no verifier would accept', async () => {
    const key = await generateSigningKey(NOW);
    const bad: unknown[] = [
      { ...claims(), role: 'admin' },
      { ...claims(), sub: '' },
      { ...claims(), exp: NOW_SEC - 10, iat: NOW_SEC },
      { ...claims(), iat: 'now' },
      (({ jti: _jti, ...rest }) => rest)(claims()),
    ];
    for (const c of bad) {
      await assert.rejects(signAccessToken(key, c as AccessTokenClaims), TypeError, JSON.stringify(c));
    }
  });

  it('reads claims: drops unknown ones and names the first bad one', () => {
    const read = readAccessTokenClaims({ ...claims(), nbf: 1, extra: true });
    assert.deepEqual(read, { ok: true, claims: claims() });
    const bad = readAccessTokenClaims({ ...claims(), aud: ['ws-1'] });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.reason, /"aud"/);
  });

  it('matches whole scopes only', () => {
    assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, 'account:read'), true);
    assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, 'session:sign-out'), true);
    assert.equal(hasScope({ scope: ANONYMOUS_SCOPE }, 'account:read'), false);
    assert.equal(hasScope({ scope: ANONYMOUS_SCOPE }, 'account:register'), true);
    assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, 'account'), false);
    assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, ''), false);
    assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, 'account:read account:write'), false);
    assert.equal(hasScope({ scope: '' }, 'events:track'), false);
  });

  it('gives each role its documented scope', () => {
    assert.equal(scopeForRole('anonymous'), 'events:track account:register account:sign-in password:reset');
    assert.equal(scopeForRole('customer'), CUSTOMER_SCOPE);
    for (const s of ['events:track', 'account:read', 'account:write', 'password:change', 'session:refresh', 'session:sign-out']) {
      assert.equal(hasScope({ scope: CUSTOMER_SCOPE }, s), true, s);
    }
  });
});
