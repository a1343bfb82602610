// Writes the JSON Schema of every public event from its TypeScript type:
//   libs/contracts/schemas/<family>/<Type>.schema.json
// `node scripts/generate-schemas.mjs --check` writes nothing and exits 1 when a checked-in
// schema differs from what the types give (the contracts test runs the same comparison).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { generateSchemas } = require('./schemas.cjs');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const { file, schema } of generateSchemas(root)) {
  const text = JSON.stringify(schema, null, 2) + '\n';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  stale++;
  if (check) console.error(`stale: ${path.relative(root, file)}`);
  else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(root, file)}`);
  }
}
if (check && stale) process.exit(1);
if (!stale) console.log('schemas are up to date');
