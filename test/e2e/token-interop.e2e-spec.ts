import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createPrivateKey } from 'node:crypto';
import { Client } from 'pg';
import { SignJWT, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { TestSystem } from '@idstream/testing';
import { headerOf, uniqueEmail, STRONG_PASSWORD } from './helpers';

const run = promisify(execFile);
const ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

/** The first python3 that has PyJWT with cryptography (pyenv's or Debian's; .ci/run installs Debian's). */
async function pythonWithPyJwt(): Promise<string> {
  for (const python of [process.env.INTEROP_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!python) continue;
    try {
      await run(python, ['-c', 'import jwt, cryptography']);
      return python;
    } catch {
      // next one
    }
  }
  throw new Error('no python3 with jwt and cryptography: apt-get install -y python3-jwt python3-cryptography');
}

const NIMBUS_JARS = '.data/interop-jars';

/** Nimbus JOSE+JWT's jars from Maven Central (scripts/interop/pom.xml), cached under .data/. */
async function nimbusClasspath(): Promise<string> {
  if (!existsSync(`${NIMBUS_JARS}/nimbus-jose-jwt-9.37.3.jar`)) {
    await run('mvn', [
      '-q',
      '-B',
      '-f',
      'scripts/interop/pom.xml',
      'dependency:copy-dependencies',
      `-DoutputDirectory=${process.cwd()}/${NIMBUS_JARS}`,
    ]);
  }
  return `${NIMBUS_JARS}/*`;
}

/**
 * Issue 13 part 2: tokens every backend stack can verify. Each workspace signs with its
 * `tokenAlgorithm`; third-party verifiers given ONLY the JWKS URL verify them: jose's
 * createRemoteJWKSet and PyJWT's PyJWKClient for all three algorithms, Nimbus JOSE+JWT's
 * DefaultJWTProcessor (what Spring Security uses) for ES256 and RS256. Nimbus without Google
 * Tink has no Ed25519 verifier: that EdDSA-only defect is why the setting exists.
 */
describe('token interop: third-party verifiers fed only the JWKS URL', () => {
  const system = new TestSystem();
  const tokens = new Map<Algorithm, { token: string; workspaceId: string }>();
  let jwksUrl = '';
  let python = '';
  let classpath = '';
  const nimbus = (alg: string, token: string) => run('java', ['-cp', classpath, 'scripts/interop/Verify.java', jwksUrl, alg, token]);

  const apiKeys = new Map<string, string>();
  const serverKeys = new Map<string, string>();
  const anonymousOf = async (workspaceId: string): Promise<{ token: string }> => {
    const device = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: apiKeys.get(workspaceId) } });
    assert.equal(device.status, 200, JSON.stringify(device.body));
    return device.body;
  };
  const admin = (method: string, path: string, body: unknown) => system.http(method, path, { body, token: system.adminKey });

  before(async () => {
    python = await pythonWithPyJwt();
    classpath = await nimbusClasspath();
    await system.start();
    jwksUrl = `${system.gatewayUrl}/.well-known/jwks.json`;
    for (const tokenAlgorithm of ALGORITHMS) {
      const created = await admin('POST', '/v1/admin/workspaces', { name: `interop ${tokenAlgorithm}`, tokenAlgorithm });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.settings.tokenAlgorithm, tokenAlgorithm);
      const device = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey: created.body.clientApiKey } });
      assert.equal(device.status, 200, JSON.stringify(device.body));
      tokens.set(tokenAlgorithm, { token: device.body.token, workspaceId: created.body.workspaceId });
      apiKeys.set(created.body.workspaceId, created.body.clientApiKey);
      serverKeys.set(created.body.workspaceId, created.body.serverKey);
    }
  });

  after(() => system.stop());

  it('publishes every algorithm in the JWKS, each key with kid, alg and use sig, no private member', async () => {
    const res = await fetch(jwksUrl);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    for (const alg of ALGORITHMS)
      assert.ok(
        keys.some((k) => k.alg === alg),
        `no ${alg} key in ${JSON.stringify(keys)}`,
      );
    for (const key of keys) {
      assert.equal(typeof key.kid, 'string');
      assert.equal(key.use, 'sig');
      assert.equal('d' in key || 'p' in key, false);
    }
  });

  it("signs each workspace's tokens with its algorithm, and the gateway accepts them", async () => {
    for (const alg of ALGORITHMS) {
      const { token } = tokens.get(alg)!;
      assert.equal(headerOf(token).alg, alg);
      const reg = await system.http('POST', '/v1/accounts', { token, body: { email: uniqueEmail(alg), password: STRONG_PASSWORD } });
      assert.equal(reg.status, 201, `${alg}: ${JSON.stringify(reg.body)}`);
    }
  });

  for (const alg of ALGORITHMS) {
    it(`jose createRemoteJWKSet verifies ${alg}`, async () => {
      const { token, workspaceId } = tokens.get(alg)!;
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), {
        algorithms: [alg],
        audience: workspaceId,
      });
      assert.equal(protectedHeader.alg, alg);
      assert.equal(payload.aud, workspaceId);
    });

    it(`PyJWT PyJWKClient verifies ${alg}`, async () => {
      const { token, workspaceId } = tokens.get(alg)!;
      const { stdout } = await run(python, ['scripts/interop/pyjwt_verify.py', jwksUrl, alg, token]);
      assert.equal((JSON.parse(stdout) as { aud: string }).aud, workspaceId);
    });
  }

  for (const alg of ['ES256', 'RS256'] as const) {
    it(`Nimbus DefaultJWTProcessor with a JWSVerificationKeySelector verifies ${alg}`, async () => {
      const { token, workspaceId } = tokens.get(alg)!;
      const { stdout } = await nimbus(alg, token);
      assert.match(stdout, new RegExp(`"aud":"${workspaceId}"`));
    });
  }

  it('Nimbus without Tink cannot verify EdDSA (README: choose ES256 or RS256 for Spring/Nimbus)', async () => {
    const { token } = tokens.get('EdDSA')!;
    await assert.rejects(nimbus('EdDSA', token));
  });

  it("PyJWT refuses a token when told to expect another algorithm (the pin is the verifier's)", async () => {
    const { token } = tokens.get('ES256')!;
    await assert.rejects(run(python, ['scripts/interop/pyjwt_verify.py', jwksUrl, 'EdDSA', token]));
  });

  it("pins the workspace: a token signed with auth's real ES256 key for an EdDSA workspace is refused, and inactive at introspection", async () => {
    const db = new Client({ connectionString: system.env.DATABASE_URL });
    await db.connect();
    let kid: string;
    let pem: string;
    try {
      const { rows } = await db.query<{ kid: string; private_key_pem: string }>(
        "SELECT kid, private_key_pem FROM auth.signing_keys WHERE retired_at IS NULL AND alg = 'ES256' ORDER BY created_at DESC LIMIT 1",
      );
      ({ kid, private_key_pem: pem } = rows[0]!);
    } finally {
      await db.end();
    }
    const { token: edToken, workspaceId } = tokens.get('EdDSA')!;
    const forged = await new SignJWT(decodeJwt(edToken)).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(createPrivateKey(pem));
    const introspect = (token: string) =>
      system.http('POST', '/v1/backend/tokens/introspect', {
        headers: { authorization: `Bearer ${serverKeys.get(workspaceId)}` },
        body: { token },
      });
    // The same claims under the workspace's own algorithm are fine: the refusal is the algorithm.
    assert.equal((await introspect(edToken)).body.active, true);
    assert.deepEqual((await introspect(forged)).body, { active: false });
    const reg = await system.http('POST', '/v1/accounts', {
      token: forged,
      body: { email: uniqueEmail('forged'), password: STRONG_PASSWORD },
    });
    assert.equal(reg.status, 401, JSON.stringify(reg.body));
    assert.equal(reg.body.code, 'UNAUTHORIZED');
  });

  it('after a change of algorithm, new tokens use the new one and tokens issued before keep verifying', async () => {
    const { token: before, workspaceId } = tokens.get('ES256')!;
    const patched = await admin('PATCH', `/v1/admin/workspaces/${workspaceId}`, { tokenAlgorithm: 'RS256' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const reg = await system.http('POST', '/v1/accounts', {
      token: before,
      body: { email: uniqueEmail('before'), password: STRONG_PASSWORD },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const { token: after } = await anonymousOf(workspaceId);
    assert.equal(headerOf(after).alg, 'RS256');
    const next = await system.http('POST', '/v1/accounts', {
      token: after,
      body: { email: uniqueEmail('after'), password: STRONG_PASSWORD },
    });
    assert.equal(next.status, 201, JSON.stringify(next.body));
  });

  it('refuses an unknown tokenAlgorithm with 400 and changes nothing', async () => {
    const { workspaceId } = tokens.get('EdDSA')!;
    const res = await admin('PATCH', `/v1/admin/workspaces/${workspaceId}`, { tokenAlgorithm: 'HS256' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, 'VALIDATION_FAILED');
  });
});
