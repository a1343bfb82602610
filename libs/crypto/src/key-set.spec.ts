import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  CUSTOMER_SCOPE,
  TOKEN_ALGORITHMS,
  generateSigningKey,
  signAccessToken,
  type AccessTokenClaims,
  type PublicJwk,
  type SigningKey,
} from './tokens';
import { KeySet, verifyAccessToken, type VerifyResult } from './key-set';

const ISSUER = 'https://id.example.test';
const NOW = new Date('2031-05-04T12:00:00Z');
const NOW_SEC = Math.floor(NOW.getTime() / 1000);
const at = (offsetSec: number): Date => new Date(NOW.getTime() + offsetSec * 1000);

function claims(overrides: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
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

async function setup(): Promise<{ key: SigningKey; keys: KeySet }> {
  const key = await generateSigningKey(NOW);
  const keys = new KeySet();
  keys.add(key.publicJwk);
  return { key, keys };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function assertInvalid(result: VerifyResult, reason?: RegExp): void {
  assert.equal(result.ok, false, 'expected the token to be rejected');
  if (result.ok) return;
  assert.equal(result.code, 'TOKEN_INVALID', result.reason);
  if (reason) assert.match(result.reason, reason);
}

/** Signs any payload with the real key, bypassing signAccessToken's checks: the verifier must not rely on them. */
function signRaw(key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header }).sign(key.privateKey);
}

describe('verifyAccessToken', () => {
  it('round-trips: a signed token verifies and yields its claims and kid', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims());
    assert.deepEqual(await verifyAccessToken(token, { keys, issuer: ISSUER, audience: 'ws-1', now: NOW }), {
      ok: true,
      claims: claims(),
      kid: key.kid,
    });
  });

  it('checks a token seen before again in full, except its signature, and never across a replaced key', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims());
    const options = { keys, issuer: ISSUER, audience: 'ws-1', now: NOW };
    assert.equal((await verifyAccessToken(token, options)).ok, true);
    assert.equal((await verifyAccessToken(token, options)).ok, true, 'the second time too');
    // Everything but the signature is checked each time: expiry, audience, issuer, the kid's validity.
    assert.equal((await verifyAccessToken(token, { ...options, now: at(3600 + 6) })).ok, false);
    assertInvalid(await verifyAccessToken(token, { ...options, audience: 'ws-2' }), /audience/);
    assertInvalid(await verifyAccessToken(token, { ...options, issuer: 'https://other.test' }), /iss/);
    // A tampered copy is another token: its signature is checked, and fails.
    const [h, , sig] = token.split('.');
    const tampered = `${h}.${b64({ ...claims(), sub: 'profile-2' })}.${sig}`;
    assertInvalid(await verifyAccessToken(tampered, options), /signature/);
    // The kid retired, then held again by another key object: the old check does not carry over.
    keys.remove(key.kid);
    assertInvalid(await verifyAccessToken(token, options), /kid/);
    const other = await generateSigningKey(NOW);
    keys.add({ ...other.publicJwk, kid: key.kid });
    assertInvalid(await verifyAccessToken(token, options), /signature/);
  });

  it('answers a token seen before with claims of their own each time, and refuses it once its key retired', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims());
    const options = { keys, issuer: ISSUER, audience: 'ws-1', now: NOW };
    const first = await verifyAccessToken(token, options);
    assert.ok(first.ok);
    first.claims.sub = 'changed by a caller';
    assert.deepEqual(await verifyAccessToken(token, options), { ok: true, claims: claims(), kid: key.kid });
    // The workspace pin is asked again of a token seen before.
    assertInvalid(await verifyAccessToken(token, { ...options, acceptsAlgorithm: () => false }), /algorithm of workspace/);
    keys.add(key.publicJwk, at(60));
    assert.equal((await verifyAccessToken(token, { ...options, now: at(59) })).ok, true);
    assertInvalid(await verifyAccessToken(token, { ...options, now: at(60) }), /kid/);
  });

  it('verifies anonymous tokens too', async () => {
    const { key, keys } = await setup();
    const anonymous = claims({ role: 'anonymous', sub: 'device-1', scope: 'events:track account:register' });
    const result = await verifyAccessToken(await signAccessToken(key, anonymous), { keys, issuer: ISSUER, now: NOW });
    assert.deepEqual(result, { ok: true, claims: anonymous, kid: key.kid });
  });

  it('reports an expired token as TOKEN_EXPIRED, allowing the clock tolerance', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims());
    const expired = await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(3600 + 6) });
    assert.deepEqual(expired, { ok: false, code: 'TOKEN_EXPIRED', reason: 'token expired' });
    assert.equal((await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(3600 + 4) })).ok, true);
    const strict = await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(3600), clockToleranceSec: 0 });
    assert.equal(strict.ok ? 'ok' : strict.code, 'TOKEN_EXPIRED');
  });

  it('reports an expired token that is not ours as TOKEN_INVALID, not TOKEN_EXPIRED', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims({ aud: 'ws-other' }));
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, audience: 'ws-1', now: at(7200) }), /audience/);
  });

  it('rejects a wrong issuer', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims({ iss: 'https://evil.example.test' }));
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }));
  });

  it('rejects a wrong audience, given as a string or as a predicate', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims({ aud: 'ws-2' }));
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, audience: 'ws-1', now: NOW }), /audience/);
    const known = new Set(['ws-1', 'ws-3']);
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, audience: (aud) => known.has(aud), now: NOW }), /audience/);
    known.add('ws-2');
    assert.equal((await verifyAccessToken(token, { keys, issuer: ISSUER, audience: (aud) => known.has(aud), now: NOW })).ok, true);
  });

  it('turns a throwing audience predicate into TOKEN_INVALID', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims());
    const audience = (): boolean => {
      throw new Error('workspace lookup failed');
    };
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, audience, now: NOW }));
  });

  it('rejects a token whose kid is unknown', async () => {
    const { key } = await setup();
    const other = await setup();
    const token = await signAccessToken(key, claims());
    assertInvalid(await verifyAccessToken(token, { keys: other.keys, issuer: ISSUER, now: NOW }), /kid/);
    assertInvalid(await verifyAccessToken(token, { keys: new KeySet(), issuer: ISSUER, now: NOW }), /kid/);
  });

  it('rejects a token without a kid', async () => {
    const { key, keys } = await setup();
    const token = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'EdDSA' }).sign(key.privateKey);
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }), /kid/);
  });

  it('rejects a token signed by another key under a trusted kid', async () => {
    const { keys, key } = await setup();
    const attacker = await generateSigningKey(NOW);
    const forged = await signAccessToken({ ...attacker, kid: key.kid }, claims());
    assertInvalid(await verifyAccessToken(forged, { keys, issuer: ISSUER, now: NOW }));
  });

  it('rejects a token whose key is past its validUntil', async () => {
    const key = await generateSigningKey(NOW);
    const keys = new KeySet();
    keys.add(key.publicJwk, at(-1));
    const token = await signAccessToken(key, claims());
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }), /kid/);
  });

  it('keeps verifying a rotated-out key until its validUntil, and not after', async () => {
    const previous = await generateSigningKey(at(-86_400));
    const current = await generateSigningKey(NOW);
    const keys = new KeySet();
    keys.add(previous.publicJwk);
    keys.add(current.publicJwk);
    // Rotation: the previous key stays trusted for one token lifetime.
    const validUntil = at(3600);
    keys.add(previous.publicJwk, validUntil);
    const oldToken = await signAccessToken(previous, claims({ exp: NOW_SEC + 7200 }));
    const newToken = await signAccessToken(current, claims({ jti: 'jti-2', exp: NOW_SEC + 7200 }));

    const before = await verifyAccessToken(oldToken, { keys, issuer: ISSUER, now: at(3599) });
    assert.equal(before.ok, true);
    assert.equal(before.ok && before.kid, previous.kid);
    assert.deepEqual(
      keys
        .jwks(at(3599))
        .keys.map((k) => k.kid)
        .sort(),
      [previous.kid, current.kid].sort(),
    );

    // The token itself has not expired at +3601 s: only its key has been retired.
    assertInvalid(await verifyAccessToken(oldToken, { keys, issuer: ISSUER, now: at(3601) }), /kid/);
    assert.equal((await verifyAccessToken(newToken, { keys, issuer: ISSUER, now: at(3601) })).ok, true);
    assert.deepEqual(
      keys.jwks(at(3601)).keys.map((k) => k.kid),
      [current.kid],
    );
  });

  it('rejects alg none', async () => {
    const { key, keys } = await setup();
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, kid: key.kid, typ: 'JWT' })}.${b64(claims())}.`;
      assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }), /alg/);
    }
  });

  it('rejects HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const { key, keys } = await setup();
    const publicKey = createPublicKey(key.privateKey);
    const { x } = key.publicJwk as { x: string };
    const secrets: (string | Buffer)[] = [
      Buffer.from(x, 'base64url'),
      x,
      JSON.stringify(key.publicJwk),
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKey.export({ type: 'spki', format: 'der' }),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS512']) {
        const input = `${b64({ alg, kid: key.kid, typ: 'JWT' })}.${b64(claims())}`;
        const mac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret)
          .update(input)
          .digest('base64url');
        assertInvalid(await verifyAccessToken(`${input}.${mac}`, { keys, issuer: ISSUER, now: NOW }), /alg/);
      }
    }
  });

  for (const alg of TOKEN_ALGORITHMS) {
    it(`round-trips a token signed with ${alg}, its header naming ${alg}`, async () => {
      const key = await generateSigningKey(NOW, alg);
      const keys = new KeySet();
      keys.add(key.publicJwk);
      const token = await signAccessToken(key, claims());
      assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, alg);
      const result = await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW });
      assert.equal(result.ok, true, result.ok ? '' : result.reason);
    });
  }

  it('pins the alg to the key of the kid: a token naming another algorithm is refused', async () => {
    const ec = await generateSigningKey(NOW, 'ES256');
    const rsa = await generateSigningKey(NOW, 'RS256');
    const keys = new KeySet();
    keys.add(ec.publicJwk);
    keys.add(rsa.publicJwk);
    // RS256 signed by the RSA key but under the EC key's kid; and the reverse.
    const crossed = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'RS256', kid: ec.kid }).sign(rsa.privateKey);
    assertInvalid(await verifyAccessToken(crossed, { keys, issuer: ISSUER, now: NOW }), /does not match the key/);
    const reversed = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'ES256', kid: rsa.kid }).sign(ec.privateKey);
    assertInvalid(await verifyAccessToken(reversed, { keys, issuer: ISSUER, now: NOW }), /does not match the key/);
  });

  it('pins the workspace algorithm: a genuine ES256 token of a workspace set to EdDSA is refused', async () => {
    const ec = await generateSigningKey(NOW, 'ES256');
    const ed = await generateSigningKey(NOW, 'EdDSA');
    const keys = new KeySet();
    keys.add(ec.publicJwk);
    keys.add(ed.publicJwk);
    const seen: string[] = [];
    const acceptsAlgorithm = (alg: string, c: AccessTokenClaims): boolean => {
      seen.push(`${c.aud}:${alg}`);
      return alg === 'EdDSA';
    };
    const es = await signAccessToken(ec, claims());
    assertInvalid(await verifyAccessToken(es, { keys, issuer: ISSUER, now: NOW, acceptsAlgorithm }), /not the algorithm of workspace ws-1/);
    const edToken = await signAccessToken(ed, claims());
    assert.equal((await verifyAccessToken(edToken, { keys, issuer: ISSUER, now: NOW, acceptsAlgorithm })).ok, true);
    assert.deepEqual(seen, ['ws-1:ES256', 'ws-1:EdDSA']);
  });

  it('rejects RS256 and ES256 tokens under the kid of an EdDSA key', async () => {
    const { key, keys } = await setup();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(rsa.privateKey);
    assertInvalid(await verifyAccessToken(rs, { keys, issuer: ISSUER, now: NOW }), /alg/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(ec.privateKey);
    assertInvalid(await verifyAccessToken(es, { keys, issuer: ISSUER, now: NOW }), /alg/);
  });

  it('rejects a tampered payload, header or signature', async () => {
    const { key, keys } = await setup();
    const token = await signAccessToken(key, claims({ role: 'anonymous', scope: 'events:track' }));
    const [header, , signature] = token.split('.') as [string, string, string];
    const promoted = `${header}.${b64(claims())}.${signature}`;
    assertInvalid(await verifyAccessToken(promoted, { keys, issuer: ISSUER, now: NOW }));
    const reheadered = `${b64({ alg: 'EdDSA', kid: key.kid })}.${token.split('.')[1]}.${signature}`;
    assertInvalid(await verifyAccessToken(reheadered, { keys, issuer: ISSUER, now: NOW }));
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const resigned = `${token.split('.').slice(0, 2).join('.')}.${flipped.toString('base64url')}`;
    assertInvalid(await verifyAccessToken(resigned, { keys, issuer: ISSUER, now: NOW }));
    // The untampered token is fine, so the failures above come from the tampering.
    assert.equal((await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW })).ok, true);
  });

  it('accepts a hand-made EdDSA signature over the same bytes (the format is plain RFC 8037)', async () => {
    const { key, keys } = await setup();
    const input = `${b64({ alg: 'EdDSA', kid: key.kid })}.${b64(claims())}`;
    const signature = rawSign(null, Buffer.from(input), key.privateKey).toString('base64url');
    assert.equal((await verifyAccessToken(`${input}.${signature}`, { keys, issuer: ISSUER, now: NOW })).ok, true);
  });

  it('rejects a token issued in the future beyond the clock tolerance', async () => {
    const { key, keys } = await setup();
    const future = await signAccessToken(key, claims({ iat: NOW_SEC + 60, exp: NOW_SEC + 3660 }));
    assertInvalid(await verifyAccessToken(future, { keys, issuer: ISSUER, now: NOW }), /future/);
    const skewed = await signAccessToken(key, claims({ iat: NOW_SEC + 3, exp: NOW_SEC + 3603 }));
    assert.equal((await verifyAccessToken(skewed, { keys, issuer: ISSUER, now: NOW })).ok, true);
    assertInvalid(await verifyAccessToken(skewed, { keys, issuer: ISSUER, now: NOW, clockToleranceSec: 0 }), /future/);
  });

  it('rejects a token not valid before a future nbf', async () => {
    const { key, keys } = await setup();
    const token = await signRaw(key, { ...claims(), nbf: NOW_SEC + 60 });
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }), /nbf/);
    assert.equal((await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(61) })).ok, true);
  });

  it('rejects a token with a missing claim, whichever it is', async () => {
    const { key, keys } = await setup();
    for (const name of Object.keys(claims())) {
      const payload: Record<string, unknown> = { ...claims() };
      delete payload[name];
      const token = await signRaw(key, payload);
      assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }), new RegExp(name === 'iss' ? 'iss' : `"${name}"`));
    }
  });

  it('rejects a token with a mistyped claim', async () => {
    const { key, keys } = await setup();
    const mistyped: Record<string, unknown>[] = [
      { role: 'admin' },
      { role: 1 },
      { aud: ['ws-1'] },
      { sub: 42 },
      { sub: '' },
      { uuid: null },
      { sid: {} },
      { jti: true },
      { scope: ['events:track'] },
      { iat: String(NOW_SEC) },
      { exp: NOW_SEC + 0.5 },
      { exp: NOW_SEC - 100, iat: NOW_SEC },
    ];
    for (const change of mistyped) {
      const token = await signRaw(key, { ...claims(), ...change });
      assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW }));
    }
  });

  it('never throws on garbage and always answers TOKEN_INVALID', async () => {
    const { keys } = await setup();
    const garbage: unknown[] = ['', 'abc', 'a.b.c', '..', 'eyJhbGciOiJFZERTQSJ9..', 'x'.repeat(10_000), null, undefined, 42, {}];
    for (const token of garbage) {
      assertInvalid(await verifyAccessToken(token as string, { keys, issuer: ISSUER, now: NOW }));
    }
    const { key } = await setup();
    const token = await signAccessToken(key, claims());
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: new Date(Number.NaN) }));
    assertInvalid(await verifyAccessToken(token, { keys, issuer: ISSUER, now: NOW, clockToleranceSec: -1 }));
  });

  it('uses the real clock when no time is given', async () => {
    const { key, keys } = await setup();
    const nowSec = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(key, claims({ iat: nowSec, exp: nowSec + 600 }));
    assert.equal((await verifyAccessToken(token, { keys, issuer: ISSUER })).ok, true);
    const stale = await signAccessToken(key, claims({ iat: nowSec - 7200, exp: nowSec - 3600 }));
    const result = await verifyAccessToken(stale, { keys, issuer: ISSUER });
    assert.equal(result.ok ? 'ok' : result.code, 'TOKEN_EXPIRED');
  });
});

describe('KeySet', () => {
  it('adds, finds, removes and counts keys', async () => {
    const a = await generateSigningKey(NOW);
    const b = await generateSigningKey(NOW);
    const keys = new KeySet();
    assert.equal(keys.size, 0);
    keys.add(a.publicJwk);
    keys.add(b.publicJwk, at(60));
    assert.equal(keys.size, 2);
    assert.equal(keys.has(a.kid), true);
    assert.equal(keys.get(a.kid, NOW)?.asymmetricKeyType, 'ed25519');
    assert.equal(keys.get(b.kid, at(59))?.type, 'public');
    assert.equal(keys.get(b.kid, at(60)), undefined);
    assert.equal(keys.has(b.kid), true, 'an expired key is still held until removed or pruned');
    assert.equal(keys.get('nope', NOW), undefined);
    keys.remove(a.kid);
    assert.equal(keys.has(a.kid), false);
    assert.equal(keys.size, 1);
    assert.equal(keys.prune(at(61)), 1);
    assert.equal(keys.size, 0);
  });

  it('replaces a key re-added under its kid, e.g. to give it a validUntil', async () => {
    const a = await generateSigningKey(NOW);
    const keys = new KeySet();
    keys.add(a.publicJwk);
    keys.add(a.publicJwk, at(10));
    assert.equal(keys.size, 1);
    assert.equal(keys.get(a.kid, at(11)), undefined);
    assert.deepEqual(keys.validUntil(a.kid), at(10));
  });

  it('publishes only public members, and a JWKS copy verifies like the original', async () => {
    const { key, keys } = await setup();
    const jwks = keys.jwks(NOW);
    assert.deepEqual(jwks, { keys: [key.publicJwk] });
    assert.equal(JSON.stringify(jwks).includes('"d"'), false);
    // A verifier that only fetched /.well-known/jwks.json.
    const fetched = new KeySet();
    for (const jwk of (JSON.parse(JSON.stringify(jwks)) as { keys: PublicJwk[] }).keys) fetched.add(jwk);
    const token = await signAccessToken(key, claims());
    assert.equal((await verifyAccessToken(token, { keys: fetched, issuer: ISSUER, now: NOW })).ok, true);
  });

  it("refuses an EC or RSA JWK whose alg is not its key type's, or that is private or too small", async () => {
    const ec = await generateSigningKey(NOW, 'ES256');
    const rsa = await generateSigningKey(NOW, 'RS256');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const keys = new KeySet();
    const bad: unknown[] = [
      { ...ec.publicJwk, alg: 'EdDSA' },
      { ...ec.publicJwk, alg: 'RS256' },
      { ...ec.publicJwk, crv: 'P-384' },
      { ...ec.publicJwk, d: ec.privateKey.export({ format: 'jwk' }).d },
      { ...rsa.publicJwk, alg: 'ES256' },
      { ...rsa.publicJwk, alg: 'HS256' },
      { ...rsa.publicJwk, d: rsa.privateKey.export({ format: 'jwk' }).d },
      { ...small, kid: 'small', alg: 'RS256', use: 'sig' },
    ];
    for (const jwk of bad) assert.throws(() => keys.add(jwk as PublicJwk), TypeError, JSON.stringify(jwk).slice(0, 80));
    assert.equal(keys.size, 0);
    keys.add(ec.publicJwk);
    keys.add(rsa.publicJwk);
    assert.equal(keys.algorithmOf(ec.kid), 'ES256');
    assert.equal(keys.algorithmOf(rsa.kid), 'RS256');
    assert.deepEqual(
      keys.jwks(NOW).keys.map((k) => [k.alg, k.use]),
      [
        ['ES256', 'sig'],
        ['RS256', 'sig'],
      ],
    );
  });

  it('refuses a JWK that is not a public Ed25519 key with a kid', async () => {
    const { key } = await setup();
    const keys = new KeySet();
    const privateJwk = key.privateKey.export({ format: 'jwk' });
    const bad: unknown[] = [
      { ...key.publicJwk, kid: '' },
      { ...key.publicJwk, crv: 'X25519' },
      { ...key.publicJwk, kty: 'EC' },
      { ...key.publicJwk, x: 'short' },
      { ...key.publicJwk, alg: 'HS256' },
      { ...key.publicJwk, alg: 'ES256' },
      { ...key.publicJwk, alg: 'none' },
      { ...key.publicJwk, use: 'enc' },
      { ...key.publicJwk, d: privateJwk.d },
      null,
    ];
    for (const jwk of bad) assert.throws(() => keys.add(jwk as PublicJwk), TypeError, JSON.stringify(jwk));
    assert.equal(keys.size, 0);
  });
});
