import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { OidcIssuerFixture } from '@idstream/testing';
import type { ResolvedProvider } from './identity-providers';
import { verifyIdToken } from './id-token.verifier';
import { ProviderKeysCache } from './provider-keys';

const CLIENT = 'app-client-id';
/** Generous for a loaded machine; the point is that the answer comes, not how fast. */
const TIMEOUT_MS = 2000;
const cacheOptions = {
  timeoutMs: TIMEOUT_MS,
  maxAgeMs: 600_000,
  refetchCooldownMs: 0,
  maxIssuers: 4,
  breakerFailures: 3,
  breakerOpenMs: 30_000,
};

describe('verifyIdToken against a real OpenID Connect issuer over HTTP', () => {
  let issuer: OidcIssuerFixture;
  let provider: ResolvedProvider;
  before(async () => {
    issuer = await OidcIssuerFixture.start();
    provider = { name: 'corp', issuer: issuer.issuer, clientIds: ['other-app', CLIENT], jwksUri: null };
  });
  after(() => issuer.stop());

  const verify = (token: string, nonce?: string, keys = new ProviderKeysCache(cacheOptions), p = provider) =>
    verifyIdToken(keys, p, token, nonce);

  it('accepts a token of the issuer for one of the client ids, found by discovery, and trusts only a verified email', async () => {
    const sub = randomUUID();
    const token = await issuer.issue({ sub, aud: CLIENT, email: 'a@example.com', email_verified: true });
    const verified = await verify(token);
    const issuedAt = decodeJwt(token).iat;
    assert.deepEqual(verified, { ok: true, claims: { issuer: issuer.issuer, subject: sub, verifiedEmail: 'a@example.com', issuedAt } });
    const unverified = await verify(await issuer.issue({ sub, aud: CLIENT, email: 'a@example.com', email_verified: false }));
    assert.equal(unverified.ok && unverified.claims.verifiedEmail, null);
  });

  it('refuses a wrong audience, a wrong issuer, an expired and a tampered token', async () => {
    const sub = randomUUID();
    const cases = {
      audience: await issuer.issue({ sub, aud: 'someone-else' }),
      issuer: await issuer.issue({ sub, aud: CLIENT, iss: 'https://evil.example' }),
      expired: await issuer.issue({ sub, aud: CLIENT }, { expiresInSeconds: -600, issuedAtOffsetSeconds: -1200 }),
      tampered: await (async () => {
        const [h, , s] = (await issuer.issue({ sub, aud: CLIENT })).split('.');
        const payload = Buffer.from(JSON.stringify({ sub: 'admin', aud: CLIENT, iss: issuer.issuer, iat: 1, exp: 4e9 })).toString(
          'base64url',
        );
        return `${h}.${payload}.${s}`;
      })(),
    };
    for (const [name, token] of Object.entries(cases)) {
      const outcome = await verify(token);
      assert.equal(outcome.ok, false, name);
      assert.equal(!outcome.ok && outcome.code, 'EXTERNAL_TOKEN_INVALID', name);
    }
  });

  it('refuses alg none and HS256 even when the header names a known kid', async () => {
    const sub = randomUUID();
    const unsecured = new UnsecuredJWT({ sub, aud: CLIENT }).setIssuer(issuer.issuer).setIssuedAt().setExpirationTime('5m').encode();
    const hs = await new SignJWT({ sub, aud: CLIENT })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret that is long enough!!'));
    for (const token of [unsecured, hs]) {
      const outcome = await verify(token);
      assert.equal(!outcome.ok && outcome.code, 'EXTERNAL_TOKEN_INVALID');
    }
  });

  it('refuses a token replayed with another nonce, accepts the nonce it was issued for', async () => {
    const token = await issuer.issue({ sub: randomUUID(), aud: CLIENT, nonce: 'n-1' });
    assert.equal((await verify(token, 'n-1')).ok, true);
    const replayed = await verify(token, 'n-2');
    assert.deepEqual(replayed, { ok: false, code: 'EXTERNAL_TOKEN_INVALID', reason: 'nonce' });
  });

  it('refuses an unknown kid, then accepts it once the provider rotates to that key, fetching again only then', async () => {
    const keys = new ProviderKeysCache(cacheOptions);
    assert.equal((await verify(await issuer.issue({ sub: randomUUID(), aud: CLIENT }), undefined, keys)).ok, true);
    const next = await issuer.prepareRotation();
    const early = await issuer.issue({ sub: randomUUID(), aud: CLIENT }, { key: next });
    assert.equal((await verify(early, undefined, keys)).ok, false);
    issuer.publish(next);
    assert.equal((await verify(early, undefined, keys)).ok, true);
    const fetches = issuer.jwksFetches;
    assert.equal((await verify(await issuer.issue({ sub: randomUUID(), aud: CLIENT }), undefined, keys)).ok, true);
    assert.equal(issuer.jwksFetches, fetches, 'a warm cache verifies without fetching');
  });

  it('answers PROVIDER_UNAVAILABLE within the timeout when the JWKS never answers or the issuer is down', async () => {
    const token = await issuer.issue({ sub: randomUUID(), aud: CLIENT });
    issuer.setJwksHangs(true);
    try {
      const started = Date.now();
      const outcome = await verify(token, undefined, new ProviderKeysCache({ ...cacheOptions, timeoutMs: 300 }));
      assert.equal(!outcome.ok && outcome.code, 'PROVIDER_UNAVAILABLE');
      // Bounded by the timeout, not by the provider: far below what a hang would take.
      assert.ok(Date.now() - started < 30_000);
    } finally {
      issuer.setJwksHangs(false);
    }
    const down: ResolvedProvider = { ...provider, issuer: 'http://127.0.0.1:9', jwksUri: null };
    const outcome = await verify(token, undefined, new ProviderKeysCache(cacheOptions), down);
    assert.equal(!outcome.ok && outcome.code, 'PROVIDER_UNAVAILABLE');
  });

  it('opens the breaker after repeated failures of a hanging JWKS: no more fetches until it half-opens, then closes on a good probe', async () => {
    let clock = Date.now();
    const keys = new ProviderKeysCache({ ...cacheOptions, timeoutMs: 300, breakerFailures: 2, breakerOpenMs: 10_000 }, () => clock);
    const hanging = await OidcIssuerFixture.start();
    try {
      const p: ResolvedProvider = { ...provider, issuer: hanging.issuer, jwksUri: hanging.jwksUri };
      const token = await hanging.issue({ sub: randomUUID(), aud: CLIENT });
      hanging.setJwksHangs(true);
      for (let i = 0; i < 2; i++) assert.equal((await verify(token, undefined, keys, p)).ok, false);
      const fetches = hanging.jwksFetches;
      const open = await verify(token, undefined, keys, p);
      assert.deepEqual(open.ok ? null : [open.code, open.reason], [
        'PROVIDER_UNAVAILABLE',
        'the provider failed repeatedly: its breaker is open',
      ]);
      assert.equal(hanging.jwksFetches, fetches, 'an open breaker does not call the provider');
      hanging.setJwksHangs(false);
      clock += 10_000;
      assert.equal((await verify(token, undefined, keys, p)).ok, true, 'the half-open probe succeeds and closes it');
      assert.equal(hanging.jwksFetches, fetches + 1);
      // Another provider never shared the breaker.
      assert.equal((await verify(await issuer.issue({ sub: randomUUID(), aud: CLIENT }), undefined, keys)).ok, true);
    } finally {
      await hanging.stop();
    }
  });
});
