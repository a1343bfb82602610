import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, KeySet, scopeForRole, signAccessToken, type TokenAlgorithm } from '@idstream/crypto';
import { PinnedVerification } from './pinned-verification.service';

const NOW = new Date('2026-03-01T12:00:00Z');
const iat = Math.floor(NOW.getTime() / 1000);

async function tokenOf(alg: TokenAlgorithm) {
  const key = await generateSigningKey(NOW, alg);
  const token = await signAccessToken(key, {
    iss: 'idstream-test',
    aud: 'ws-1',
    sub: 'dev-1',
    uuid: 'dev-1',
    role: 'anonymous',
    scope: scopeForRole('anonymous'),
    sid: 'sid-1',
    jti: 'jti-1',
    iat,
    exp: iat + 600,
  });
  return { key, token };
}

/** The verification with the real KeySet; the JWKS refetch and the workspace view are the parts outside. */
function verification(options: { pins: boolean[]; reloads?: boolean; onRefetch?: (keys: KeySet) => void }) {
  const set = new KeySet();
  const calls = { refetches: 0, reloads: 0, accepts: 0 };
  const pins = [...options.pins];
  const pinned = new PinnedVerification(
    { tokenIssuer: 'idstream-test' },
    {
      set,
      refreshForUnknownKid: () => {
        calls.refetches++;
        options.onRefetch?.(set);
        return Promise.resolve();
      },
    },
    {
      accepts: () => {
        calls.accepts++;
        return pins.shift() ?? false;
      },
      refreshAfterMiss: () => {
        calls.reloads++;
        return Promise.resolve(options.reloads ?? false);
      },
    },
  );
  return { pinned, set, calls };
}

describe('PinnedVerification.verifyPinned (TokenVerifier and TokenIntrospector)', () => {
  it('answers null for what is not shaped like a JWT, without a refetch', async () => {
    const { pinned, calls } = verification({ pins: [true] });
    assert.equal(await pinned.verifyPinned('not-a-jwt', NOW), null);
    assert.equal(calls.refetches, 0);
  });

  it('verifies a token of a known key whose workspace pin accepts it, once', async () => {
    const { key, token } = await tokenOf('EdDSA');
    const { pinned, set, calls } = verification({ pins: [true] });
    set.add(key.publicJwk);
    const result = await pinned.verifyPinned(token, NOW);
    assert.ok(result?.ok);
    assert.equal(result.claims.sid, 'sid-1');
    assert.deepEqual(calls, { refetches: 0, reloads: 0, accepts: 1 });
  });

  it('refetches the keys for an unknown kid, then verifies with the key it brought', async () => {
    const { key, token } = await tokenOf('ES256');
    const { pinned, calls } = verification({ pins: [true], onRefetch: (set) => set.add(key.publicJwk) });
    assert.ok((await pinned.verifyPinned(token, NOW))?.ok);
    assert.equal(calls.refetches, 1);
  });

  it('after a refused pin, tries again once the workspace view was reloaded', async () => {
    const { key, token } = await tokenOf('EdDSA');
    const { pinned, set, calls } = verification({ pins: [false, true], reloads: true });
    set.add(key.publicJwk);
    assert.ok((await pinned.verifyPinned(token, NOW))?.ok);
    assert.deepEqual(calls, { refetches: 0, reloads: 1, accepts: 2 });
  });

  it('a refused pin stands when the view was not reloaded', async () => {
    const { key, token } = await tokenOf('EdDSA');
    const { pinned, set, calls } = verification({ pins: [false, true], reloads: false });
    set.add(key.publicJwk);
    const result = await pinned.verifyPinned(token, NOW);
    assert.equal(result?.ok, false);
    assert.deepEqual(calls, { refetches: 0, reloads: 1, accepts: 1 });
  });

  it('a token refused for another reason than the pin (bad signature) gets no reload', async () => {
    const { key, token } = await tokenOf('EdDSA');
    const { pinned, set, calls } = verification({ pins: [true], reloads: true });
    set.add(key.publicJwk);
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    assert.equal((await pinned.verifyPinned(forged, NOW))?.ok, false);
    assert.equal(calls.reloads, 0);
  });
});
