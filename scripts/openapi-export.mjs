// Writes docs/openapi.json from the gateway's code (apps/gateway/src/openapi/), from the
// compiled output of `npm run build`, then the client types openapi-typescript generates from
// it (test/openapi-client/idstream-api.generated.ts):
//   node -r ./scripts/register-aliases.cjs scripts/openapi-export.mjs [--check]
// --check writes nothing and exits 1 when a checked-in file differs (openapi.spec.ts and
// openapi-client.spec.ts run the same comparisons).
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(root, process.env.IDSTREAM_DIST || 'dist');
const { exportOpenApiDocument, openApiText } = require(path.join(dist, 'apps/gateway/src/openapi/openapi.export.js'));
const file = path.join(root, 'docs/openapi.json');
// Written as prettier formats it, so that `npm run format:check` and this check agree.
const text = await prettier.format(openApiText(await exportOpenApiDocument()), {
  ...(await prettier.resolveConfig(file)),
  filepath: file,
});
const check = process.argv.includes('--check');
let stale = false;

function update(target, next) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const name = path.relative(root, target);
  if (current === next) return console.log(`${name} is up to date`);
  stale = true;
  if (check) return console.error(`stale: ${name} (run npm run openapi:export)`);
  writeFileSync(target, next);
  console.log(`wrote ${name}`);
}

update(file, text);

// The types from the document as it is now (written or not), with the project's pinned CLI.
const scratch = mkdtempSync(path.join(tmpdir(), 'idstream-openapi-'));
const source = path.join(scratch, 'openapi.json');
const generated = path.join(scratch, 'idstream-api.generated.ts');
writeFileSync(source, text);
const cli = spawnSync(path.join(root, 'node_modules/.bin/openapi-typescript'), [source, '-o', generated], { encoding: 'utf8' });
if (cli.status !== 0) {
  console.error(cli.stderr || cli.stdout);
  process.exit(1);
}
update(path.join(root, 'test/openapi-client/idstream-api.generated.ts'), readFileSync(generated, 'utf8'));
rmSync(scratch, { recursive: true, force: true });
process.exit(check && stale ? 1 : 0);
