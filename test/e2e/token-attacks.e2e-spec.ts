import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { TestSystem } from '@idstream/testing';
import { anonymous, claimsOf, customer } from './helpers';

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWS compact token with exactly this header and payload, signed by `key` (Ed25519) or not at all. */
function jws(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject | null): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${key === null ? '' : sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/**
 * Issue 9, token attacks, through the gateway and the real auth: each forged or misused token
 * is refused with the status and code a client can act on. The suite signs its own tokens with
 * auth's current private key (read from the test database) where the attack is a claim that a
 * correctly signed token must not get away with (expired, not yet valid, foreign audience...),
 * and first checks that such a re-signed token with unchanged claims IS accepted, so each
 * refusal below is caused by the one thing that case changes.
 */
describe('token attacks', () => {
  const system = new TestSystem();
  let signedIn: Awaited<ReturnType<typeof customer>>;
  let claims: Record<string, unknown>;
  let realKid = '';
  let realKey: KeyObject;
  let publicJwk: Record<string, unknown>;
  const attacker = generateKeyPairSync('ed25519');
  let attackerServer: Server;
  let attackerUrl = '';
  let attackerHits = 0;

  before(async () => {
    await system.start();
    signedIn = await customer(system);
    claims = claimsOf(signedIn.token);
    const db = new Client({ connectionString: system.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ kid: string; private_key_pem: string; public_jwk: Record<string, unknown> }>(
        "SELECT kid, private_key_pem, public_jwk FROM auth.signing_keys WHERE retired_at IS NULL AND alg = 'EdDSA' ORDER BY created_at DESC LIMIT 1",
      );
      realKid = rows[0]!.kid;
      realKey = createPrivateKey(rows[0]!.private_key_pem);
      publicJwk = rows[0]!.public_jwk;
    } finally {
      await db.end();
    }
    // Where a jku / x5u header points: the gateway must never fetch it.
    const attackerJwks = JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: realKid, alg: 'EdDSA' }] });
    attackerServer = createServer((_request, response) => {
      attackerHits++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(attackerJwks);
    });
    await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks.json`;
  });

  after(async () => {
    await new Promise<void>((resolve) => attackerServer?.close(() => resolve()));
    await system.stop();
  });

  const header = (extra: Record<string, unknown> = {}) => ({ alg: 'EdDSA', kid: realKid, typ: 'JWT', ...extra });
  const now = () => Math.floor(Date.now() / 1000);
  const account = (token: string) => system.http('GET', '/v1/account', { token });

  async function refused(token: string, status: number, code: string, route = account): Promise<void> {
    const res = await route(token);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.body.code, code, JSON.stringify(res.body));
  }

  it('accepts a token re-signed with the real key and unchanged claims (the harness is sound)', async () => {
    const res = await account(jws(header(), claims, realKey));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.profileId, signedIn.profileId);
  });

  it('refuses alg none in every spelling', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) await refused(jws(header({ alg }), claims, null), 401, 'UNAUTHORIZED');
  });

  it('refuses HS256 and HS512 tokens keyed with the public key', async () => {
    const publicPem = createPublicKey(realKey).export({ format: 'pem', type: 'spki' }).toString();
    const secrets = [
      JSON.stringify(publicJwk),
      String(publicJwk.x),
      publicPem,
      Buffer.from(String(publicJwk.x), 'base64url').toString('latin1'),
    ];
    for (const alg of ['HS256', 'HS512']) {
      for (const secret of secrets) {
        const input = `${b64(header({ alg }))}.${b64(claims)}`;
        const mac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret)
          .update(input)
          .digest('base64url');
        await refused(`${input}.${mac}`, 401, 'UNAUTHORIZED');
      }
    }
  });

  it('refuses an unknown kid and path-like or injected kids', async () => {
    for (const kid of ['unknown-kid', '../../../../etc/passwd', '/dev/null', 'file:///etc/passwd', "' OR '1'='1", '%00', '', 42, null]) {
      await refused(jws(header({ kid }), claims, realKey), 401, 'UNAUTHORIZED');
    }
  });

  it('refuses keys embedded in the header (jwk, jku, x5u, x5c) and never fetches them', async () => {
    const jwk = { ...attacker.publicKey.export({ format: 'jwk' }), alg: 'EdDSA' };
    const fakeCert = Buffer.from('not a certificate').toString('base64');
    for (const extra of [
      { jwk },
      { jwk, kid: undefined },
      { jku: attackerUrl },
      { jku: attackerUrl, kid: 'attacker' },
      { x5u: attackerUrl },
      { x5c: [fakeCert] },
    ]) {
      await refused(jws(header(extra), claims, attacker.privateKey), 401, 'UNAUTHORIZED');
    }
    assert.equal(attackerHits, 0, 'the gateway fetched a URL from a token header');
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    await refused(jws(header(), { ...claims, iat: now() - 7200, exp: now() - 3600 }, realKey), 401, 'TOKEN_EXPIRED');
  });

  it('refuses a token not yet valid (nbf, or iat in the future)', async () => {
    await refused(jws(header(), { ...claims, nbf: now() + 3600 }, realKey), 401, 'UNAUTHORIZED');
    await refused(jws(header(), { ...claims, iat: now() + 3600, exp: now() + 7200 }, realKey), 401, 'UNAUTHORIZED');
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    for (const aud of ['another-workspace', [String(claims.aud), 'another-workspace'], '', 42]) {
      const res = await account(jws(header(), { ...claims, aud }, realKey));
      assert.equal(res.status, 401, `aud ${JSON.stringify(aud)}: ${JSON.stringify(res.body)}`);
      assert.ok(['UNAUTHORIZED', 'TOKEN_REVOKED'].includes(res.body.code as string), JSON.stringify(res.body));
    }
    await refused(jws(header(), { ...claims, iss: 'https://attacker.test' }, realKey), 401, 'UNAUTHORIZED');
  });

  it('refuses a tampered payload under the original signature', async () => {
    const [h, , s] = signedIn.token.split('.');
    const device = await anonymous(system);
    const anonClaims = claimsOf(device.token);
    const [ah, , as] = device.token.split('.');
    for (const [head, payload, signature] of [
      [h, { ...claims, sub: '01930000-0000-7000-8000-000000000000' }, s],
      [h, { ...claims, exp: now() + 10 * 365 * 86_400 }, s],
      [h, { ...claims, scope: `${String(claims.scope)} admin` }, s],
      [ah, { ...anonClaims, role: 'customer', scope: claims.scope }, as],
    ] as const) {
      await refused(`${head}.${b64(payload)}.${signature}`, 401, 'UNAUTHORIZED');
    }
    // One flipped bit of the signature.
    const bytes = Buffer.from(s!, 'base64url');
    bytes[0] = bytes[0]! ^ 1;
    await refused(`${h}.${signedIn.token.split('.')[1]}.${bytes.toString('base64url')}`, 401, 'UNAUTHORIZED');
  });

  it('refuses role misuse: anonymous on a customer route, customer on anonymous, client tokens on server routes', async () => {
    const device = await anonymous(system);
    await refused(device.token, 403, 'FORBIDDEN');
    const signIn = (token: string) =>
      system.http('POST', '/v1/auth/sign-in', { token, body: { email: signedIn.email, password: signedIn.password } });
    await refused(signedIn.token, 403, 'FORBIDDEN', signIn);
    for (const token of [device.token, signedIn.token]) {
      await refused(token, 403, 'FORBIDDEN', (t) => system.http('GET', `/v1/backend/profiles/${signedIn.profileId}`, { token: t }));
      await refused(token, 403, 'FORBIDDEN', (t) =>
        system.http('POST', `/v1/backend/clients/${device.uuid}/recognize`, { token: t, body: { profileId: signedIn.profileId } }),
      );
    }
    // A correctly signed customer token without the route's scope.
    await refused(jws(header(), { ...claims, scope: 'events:track' }, realKey), 403, 'INSUFFICIENT_SCOPE');
  });

  it('refuses a closed session`s token with TOKEN_REVOKED after sign-out, on every route it opened', async () => {
    const other = await customer(system);
    assert.equal((await account(other.token)).status, 200);
    const out = await system.http('POST', '/v1/auth/sign-out', { token: other.token });
    assert.equal(out.status, 204);
    await refused(other.token, 401, 'TOKEN_REVOKED');
    await refused(other.token, 401, 'TOKEN_REVOKED', (t) => system.http('POST', '/v1/auth/refresh', { token: t }));
    await refused(other.token, 401, 'TOKEN_REVOKED', (t) => system.http('POST', '/v1/auth/sign-out', { token: t }));
  });

  it('sends every token with Cache-Control: no-store (anonymous, sign-in, refresh)', async () => {
    const device = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey } });
    const again = await customer(system);
    const signIn = await system.http('POST', '/v1/auth/sign-in', {
      token: again.anonToken,
      body: { email: again.email, password: again.password },
    });
    const refresh = await system.http('POST', '/v1/auth/refresh', { token: signIn.body.token });
    for (const [name, res] of [
      ['anonymous', device],
      ['sign-in', signIn],
      ['refresh', refresh],
    ] as const) {
      assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.token, 'string');
      assert.equal(res.headers.get('cache-control'), 'no-store', name);
    }
  });
});
