import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allowedOriginsProblem, isExactOrigin } from '@idstream/contracts';
import { isSecretKeyRoute, varyWithOrigin, workspaceOfRequest } from './cors.policy';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('cors policy', () => {
  it('accepts only exact origins as browsers send them', () => {
    for (const good of ['https://app.example.com', 'http://127.0.0.1:5180', 'http://[::1]:8080']) assert.ok(isExactOrigin(good), good);
    for (const bad of [
      '*',
      'null',
      'https://*.example.com',
      'https://app.example.com/',
      'https://app.example.com/path',
      'HTTPS://APP.example.com',
      'https://app.example.com:443',
      'ftp://x.test',
      'app.example.com',
      'https://user@app.example.com',
    ]) {
      assert.equal(isExactOrigin(bad), false, bad);
    }
    assert.equal(allowedOriginsProblem(['https://a.test', 'https://b.test']), null);
    assert.match(allowedOriginsProblem(['*'])!, /exact origins/);
    assert.match(allowedOriginsProblem('https://a.test')!, /array/);
    assert.match(allowedOriginsProblem(Array.from({ length: 101 }, (_, i) => `https://a${i}.test`))!, /at most 100/);
  });

  it('holds a request to the workspace of its verified token, else its token`s aud, else its api key', () => {
    assert.deepEqual(workspaceOfRequest({ verifiedWorkspaceId: 'w1', authorization: `Bearer ${jwt({ aud: 'w2' })}`, body: null }), {
      kind: 'workspace',
      workspaceId: 'w1',
    });
    assert.deepEqual(workspaceOfRequest({ verifiedWorkspaceId: null, authorization: `Bearer ${jwt({ aud: 'w2' })}`, body: null }), {
      kind: 'workspace',
      workspaceId: 'w2',
    });
    assert.deepEqual(workspaceOfRequest({ verifiedWorkspaceId: null, authorization: undefined, body: { apiKey: 'ck_1' } }), {
      kind: 'api-key',
      apiKey: 'ck_1',
    });
    assert.deepEqual(workspaceOfRequest({ verifiedWorkspaceId: null, authorization: 'Bearer not-a-jwt', body: 'x' }), { kind: 'none' });
    assert.deepEqual(workspaceOfRequest({ verifiedWorkspaceId: null, authorization: `Bearer ${jwt({ aud: 7 })}`, body: {} }), {
      kind: 'none',
    });
  });

  it('never answers CORS on routes that take secret keys', () => {
    assert.ok(isSecretKeyRoute('/v1/backend/profiles'));
    assert.ok(isSecretKeyRoute('/v1/admin/workspaces/x'));
    assert.equal(isSecretKeyRoute('/v1/account'), false);
    assert.equal(isSecretKeyRoute('/v1/administrator'), false);
  });

  it('adds Origin to Vary once', () => {
    assert.equal(varyWithOrigin(undefined), 'Origin');
    assert.equal(varyWithOrigin('Accept-Encoding'), 'Accept-Encoding, Origin');
    assert.equal(varyWithOrigin('origin'), 'origin');
  });
});
