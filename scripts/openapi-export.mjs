// Writes docs/openapi.json from the gateway's code (apps/gateway/src/openapi/), from the
// compiled output of `npm run build`:
//   node -r ./scripts/register-aliases.cjs scripts/openapi-export.mjs [--check]
// --check writes nothing and exits 1 when the checked-in document differs (the gateway's
// openapi.spec runs the same comparison).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(root, process.env.IDSTREAM_DIST || 'dist');
const { exportOpenApiDocument, openApiText } = require(path.join(dist, 'apps/gateway/src/openapi/openapi.export.js'));
const file = path.join(root, 'docs/openapi.json');
const text = openApiText(await exportOpenApiDocument());
const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
if (current === text) console.log('docs/openapi.json is up to date');
else if (process.argv.includes('--check')) {
  console.error('stale: docs/openapi.json (run npm run openapi:export)');
  process.exit(1);
} else {
  writeFileSync(file, text);
  console.log('wrote docs/openapi.json');
}
process.exit(0);
