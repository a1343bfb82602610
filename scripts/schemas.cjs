// The schema generation shared by scripts/generate-schemas.mjs and the contracts test:
// one JSON Schema per exported envelope type of each family's *.envelopes.ts file.
const path = require('node:path');
const { createGenerator } = require('ts-json-schema-generator');

const FAMILIES = [
  { name: 'identity.v1', source: 'libs/contracts/src/identity/identity.v1.envelopes.ts' },
  { name: 'identity.v2', source: 'libs/contracts/src/identity/identity.v2.envelopes.ts' },
  { name: 'tracking.v1', source: 'libs/contracts/src/tracking/tracking.v1.envelopes.ts' },
];

function exportedTypeNames(file) {
  const text = require('node:fs').readFileSync(file, 'utf8');
  return [...text.matchAll(/^export type (\w+)\s*=/gm)].map((m) => m[1]);
}

function generateSchemas(root) {
  const out = [];
  for (const family of FAMILIES) {
    const source = path.join(root, family.source);
    if (!require('node:fs').existsSync(source)) continue;
    const generator = createGenerator({
      path: source,
      tsconfig: path.join(root, 'tsconfig.json'),
      expose: 'none',
      topRef: false,
      skipTypeCheck: true,
      // Tolerant readers: a newer producer may add fields within a schema version (they only grow).
      additionalProperties: true,
    });
    for (const type of exportedTypeNames(source)) {
      const schema = generator.createSchema(type);
      schema.$id = `https://idstream.dev/schemas/${family.name}/${type}.schema.json`;
      schema.title = type;
      out.push({ file: path.join(root, 'libs/contracts/schemas', family.name, `${type}.schema.json`), type, family: family.name, schema });
    }
  }
  return out;
}

module.exports = { generateSchemas };
