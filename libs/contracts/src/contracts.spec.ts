import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseIdentityEvent, parseWireIdentityEvent } from './validation';
import { uuidv7, isUuid } from './ids';
import type { IdentityEvent } from './envelope';
import { repoRoot } from '@idstream/testing';

const root = repoRoot();
// scripts/schemas.cjs is the generator `npm run contracts:schemas` uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateSchemas } = require(path.join(root, 'scripts/schemas.cjs')) as {
  generateSchemas: (root: string) => { file: string; type: string; schema: unknown }[];
};

const example: IdentityEvent = {
  id: uuidv7(),
  type: 'SessionClosed',
  schemaVersion: 1,
  occurredAt: new Date().toISOString(),
  workspaceId: 'ws',
  aggregateId: 'p1',
  sequence: 3,
  correlationId: 'c1',
  causationId: null,
  data: { profileId: 'p1', sessionId: 's1', reason: 'sign-out', closedAt: new Date().toISOString(), forgetAfter: new Date().toISOString() },
};

describe('contracts', () => {
  it('checked-in JSON Schemas equal the schemas generated from the TypeScript types', () => {
    const generated = generateSchemas(root);
    assert.ok(generated.length >= 16, 'every identity event has a schema');
    for (const { file, schema } of generated) {
      const checkedIn = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      assert.deepEqual(checkedIn, schema, `${path.relative(root, file)} is stale: run npm run contracts:schemas`);
    }
  });

  it('parses a valid identity event and types its data', () => {
    const parsed = parseIdentityEvent(JSON.stringify(example));
    assert.equal(parsed.ok, true);
    if (parsed.ok && parsed.value.type === 'SessionClosed') assert.equal(parsed.value.data.reason, 'sign-out');
  });

  it('rejects what breaks the schema, naming the field', () => {
    const bad = { ...example, data: { ...example.data, reason: 'bored' } };
    const parsed = parseIdentityEvent(JSON.stringify(bad));
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.equal(parsed.reason, 'invalid');
      assert.match(parsed.error, /reason/);
    }
    const missing = { ...example, correlationId: undefined };
    assert.equal(parseIdentityEvent(JSON.stringify(missing)).ok, false);
  });

  it('tells malformed bytes from an unknown event type', () => {
    const notJson = parseIdentityEvent('{nope');
    assert.equal(!notJson.ok && notJson.reason, 'malformed');
    const future = parseIdentityEvent(JSON.stringify({ ...example, type: 'SomethingNew' }));
    assert.equal(!future.ok && future.reason, 'unknown-type');
  });

  it('makes time-ordered UUID v7 ids', () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    assert.ok(isUuid(a) && isUuid(b));
    assert.equal(a[14], '7');
    assert.ok(a < b);
  });

  describe('schema version 2 (sealed personal fields)', () => {
    const sealed = (n: number) => `s1.${'A'.repeat(16)}.${'B'.repeat(22 + n)}`;
    const updated = {
      ...example,
      type: 'AccountUpdated',
      schemaVersion: 2,
      data: { profileId: 'p1', changes: { firstName: sealed(1), city: sealed(2) }, attributes: sealed(3) },
    };

    it('accepts a sealed envelope and gives it withheld to consumers without keys', () => {
      const wire = parseWireIdentityEvent(JSON.stringify(updated));
      assert.ok(wire.ok, !wire.ok ? wire.error : '');
      const plain = parseIdentityEvent(JSON.stringify(updated));
      assert.ok(plain.ok && plain.value.type === 'AccountUpdated');
      assert.deepEqual(plain.value.data, { profileId: 'p1', changes: {}, attributes: {} });
    });

    it('refuses a personal value in clear under version 2, and keeps reading version 1', () => {
      const clear = { ...updated, data: { ...updated.data, changes: { firstName: 'Ada' } } };
      const parsed = parseWireIdentityEvent(JSON.stringify(clear));
      assert.equal(!parsed.ok && parsed.reason, 'invalid');
      const v1 = { ...updated, schemaVersion: 1, data: { profileId: 'p1', changes: { firstName: 'Ada' } } };
      const old = parseIdentityEvent(JSON.stringify(v1));
      assert.ok(old.ok && old.value.type === 'AccountUpdated' && old.value.data.changes.firstName === 'Ada');
    });

    it('skips a version it does not know, and version 2 of a type that has none', () => {
      const v3 = parseWireIdentityEvent(JSON.stringify({ ...updated, schemaVersion: 3 }));
      assert.equal(!v3.ok && v3.reason, 'unknown-type');
      const closed = parseWireIdentityEvent(JSON.stringify({ ...example, schemaVersion: 2 }));
      assert.equal(!closed.ok && closed.reason, 'unknown-type');
    });
  });
});
