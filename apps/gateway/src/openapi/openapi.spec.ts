import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCodes } from '@idstream/contracts';
import { repoRoot } from '@idstream/testing';
import { exportOpenApiDocument } from './openapi.export';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(document: OpenAPIObject): { key: string; operation: Json }[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({ key: `${m.toUpperCase()} ${route}`, operation: (item as Json)[m] as Json })),
  );
}

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  before(async () => {
    document = await exportOpenApiDocument();
  });

  it('equals the checked-in docs/openapi.json (run npm run openapi:export when it does not)', () => {
    const checkedIn = JSON.parse(readFileSync(path.join(repoRoot(), 'docs/openapi.json'), 'utf8')) as unknown;
    assert.deepEqual(checkedIn, JSON.parse(JSON.stringify(document)), 'docs/openapi.json is stale: run npm run openapi:export');
  });

  it('is OpenAPI 3.1 with the operations of API.md, each with a summary, a security and a success response', () => {
    assert.equal(document.openapi, '3.1.0');
    const all = operations(document);
    assert.ok(all.length >= 23, `${all.length} operations`);
    for (const { key, operation } of all) {
      assert.equal(typeof operation.summary, 'string', `${key} has a summary`);
      assert.ok(Array.isArray(operation.security), `${key} declares its security`);
      assert.ok(
        Object.keys(operation.responses as Json).some((s) => s.startsWith('2')),
        `${key} has a success response`,
      );
      assert.ok(!Object.keys(operation).some((k) => k.startsWith('x-idstream')), `${key} keeps no private extension`);
    }
  });

  // Routes that re-check a signed-in customer's password answer a wrong one 403, not 401 (API.md).
  const REAUTHENTICATING = new Set(['POST /v1/account/password', 'DELETE /v1/account', 'POST /v1/account/email-change']);

  it('answers every error as application/problem+json naming its codes, each code under its status', () => {
    for (const { key, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        if (Number(status) < 400 || (status === '503' && key.startsWith('GET /health'))) continue;
        const content = response.content as Record<string, Json>;
        const problem = content['application/problem+json'];
        assert.ok(problem, `${key} ${status} is problem+json`);
        const codes = (((problem.schema as Json).allOf as Json[])[1]!.properties as Record<string, Json>).code!.enum as string[];
        assert.ok(codes.length > 0, `${key} ${status} names its codes`);
        assert.deepEqual(Object.keys(problem.examples as Json), codes, `${key} ${status}: one example per code`);
        for (const code of codes) {
          const expected = (ErrorCodes as Record<string, number>)[code];
          if (!(REAUTHENTICATING.has(key) && code === 'INVALID_CREDENTIALS')) assert.equal(String(expected), status, `${key} ${code}`);
        }
      }
    }
  });

  it('declares distinct security schemes and uses them as the access rules say', () => {
    assert.deepEqual(Object.keys(document.components?.securitySchemes ?? {}).sort(), [
      'adminKey',
      'anonymousToken',
      'customerToken',
      'serverKey',
    ]);
    const security = (key: string) => operations(document).find((o) => o.key === key)!.operation.security;
    assert.deepEqual(security('POST /v1/auth/anonymous'), []);
    assert.deepEqual(security('GET /v1/account'), [{ customerToken: ['account:read'] }]);
    assert.deepEqual(security('POST /v1/accounts/confirm'), [{}, { anonymousToken: [] }, { customerToken: [] }]);
    assert.deepEqual(security('GET /v1/backend/profiles'), [{ serverKey: [] }]);
    assert.deepEqual(security('PATCH /v1/admin/workspaces/{id}'), [{ adminKey: [] }]);
  });

  it('documents the request bodies, the profile lookups and the tracking batch', () => {
    const schemas = document.components?.schemas as Record<string, Json>;
    const register = schemas.RegisterAccountDto!;
    assert.deepEqual((register.required as string[]).sort(), ['email', 'password']);
    assert.equal(((register.properties as Record<string, Json>).email as Json).format, 'email');
    const find = operations(document).find((o) => o.key === 'GET /v1/backend/profiles')!.operation;
    assert.deepEqual(
      (find.parameters as Json[]).filter((p) => p.in === 'query').map((p) => p.name),
      ['email', 'customId', 'uuid'],
    );
    const track = operations(document).find((o) => o.key === 'POST /v1/events')!.operation;
    const body = ((track.requestBody as Json).content as Record<string, Json>)['application/json']!;
    assert.deepEqual((body.schema as Json).oneOf, [
      { $ref: '#/components/schemas/TrackingEventSchema' },
      { $ref: '#/components/schemas/TrackingBatchSchema' },
    ]);
    assert.equal(((schemas.TrackingBatchSchema!.properties as Record<string, Json>).events as Json).maxItems, 500);
  });
});
