// npm run sdk:build: the @idstream/sdk package in libs/sdk/dist: ESM + type declarations (tsc),
// with the relative imports given their .js extension so that Node's ESM loader resolves them,
// and a minified browser bundle (esbuild) of the client and tracker.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sdk = path.join(root, 'libs/sdk');
const dist = path.join(sdk, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(sdk, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

// tsc keeps import specifiers as written ('./errors'); ESM in Node needs './errors.js'.
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
for (const file of walk(dist).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const source = readFileSync(file, 'utf8');
  const fixed = source.replace(/(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+?)(?<!\.js)\2/g, '$1$2$3.js$2');
  if (fixed !== source) writeFileSync(file, fixed);
}

const bundle = await build({
  entryPoints: [path.join(sdk, 'src/index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  platform: 'browser',
  outfile: path.join(dist, 'idstream.browser.min.js'),
  metafile: true,
  legalComments: 'none',
});
const bytes = Object.values(bundle.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`sdk: libs/sdk/dist (ESM + .d.ts), browser bundle ${bytes} bytes minified\n`);
