import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { repoRoot } from '@idstream/testing';

const run = promisify(execFile);
const root = repoRoot();
const here = path.join(root, 'test/openapi-client');
const GENERATED = 'idstream-api.generated.ts';
const CLIENT_FILES = ['account-flow.client.ts', 'account-flow.type-checks.ts'];

/**
 * What a developer does with docs/openapi.json: generate types with openapi-typescript, then
 * compile a typed openapi-fetch client against them. In a scratch folder under .data/ (inside
 * the repository, so that the folder resolves openapi-fetch from node_modules).
 */
describe('a typed client from docs/openapi.json', () => {
  const scratch = path.join(root, '.data', `openapi-client-${randomBytes(4).toString('hex')}`);
  before(async () => {
    mkdirSync(scratch, { recursive: true });
    await run(path.join(root, 'node_modules/.bin/openapi-typescript'), [
      path.join(root, 'docs/openapi.json'),
      '-o',
      path.join(scratch, GENERATED),
    ]);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('generates the checked-in types (run npm run openapi:export when it does not)', () => {
    assert.equal(
      readFileSync(path.join(scratch, GENERATED), 'utf8'),
      readFileSync(path.join(here, GENERATED), 'utf8'),
      `${GENERATED} is stale`,
    );
  });

  it('typechecks the anonymous → register → sign-in → account → sign-out client with no any', async () => {
    for (const file of CLIENT_FILES) {
      const source = readFileSync(path.join(here, file), 'utf8');
      assert.doesNotMatch(source, /\bany\b/, `${file} uses no any`);
      copyFileSync(path.join(here, file), path.join(scratch, file));
    }
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'commonjs',
        lib: ['es2023', 'dom'],
        types: [],
        skipLibCheck: true,
      },
      files: [GENERATED, ...CLIENT_FILES],
    };
    writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', scratch]).then(
      (r) => ({ code: 0, output: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
    );
    assert.equal(tsc.code, 0, `tsc found type errors:\n${tsc.output}`);
  });
});
