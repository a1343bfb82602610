// npm run example:web: serves examples/web on its own origin (default http://127.0.0.1:5180),
// with @idstream/sdk bundled into app.js by esbuild, against a running gateway (npm start).
//   IDSTREAM_URL=http://127.0.0.1:3000 IDSTREAM_API_KEY=<client API key> npm run example:web
// The gateway must allow this page's origin for the key's workspace (allowedOrigins): start it
// with DEFAULT_WORKSPACE_ALLOWED_ORIGINS=http://127.0.0.1:5180, or PATCH the workspace.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The page's script with the SDK bundled in (from source, so no sdk:build is needed first). */
export async function bundleExample() {
  const result = await build({
    entryPoints: [path.join(here, 'app.js')],
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    minify: true,
    write: false,
    alias: { '@idstream/sdk': path.join(root, 'libs/sdk/src/index.ts') },
    legalComments: 'none',
  });
  return result.outputFiles[0].text;
}

/** Serves the page; resolves once listening. Returns { url, close }. */
export async function startExampleServer({ port = 5180, host = '127.0.0.1', gatewayUrl, apiKey }) {
  const script = await bundleExample();
  const html = readFileSync(path.join(here, 'index.html'), 'utf8');
  const config = JSON.stringify({ gatewayUrl, apiKey });
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://page');
    const send = (type, body) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (pathname === '/' || pathname === '/index.html') return send('text/html; charset=utf-8', html);
    if (pathname === '/app.js') return send('text/javascript; charset=utf-8', script);
    if (pathname === '/config.json') return send('application/json', config);
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { url: `http://${host}:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.EXAMPLE_PORT || 5180);
  const gatewayUrl = (process.env.IDSTREAM_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
  const apiKey = process.env.IDSTREAM_API_KEY || process.env.DEFAULT_WORKSPACE_CLIENT_KEY;
  if (!apiKey) {
    process.stderr.write('example:web: set IDSTREAM_API_KEY to the workspace client API key (npm start prints it on first start)\n');
    process.exit(2);
  }
  startExampleServer({ port, gatewayUrl, apiKey }).then(
    ({ url }) => {
      process.stdout.write(`example page at ${url} (gateway ${gatewayUrl}); the gateway must allow the origin ${url}\n`);
      fetch(`${gatewayUrl}/health/ready`).catch(() =>
        process.stderr.write(`example:web: the gateway at ${gatewayUrl} does not answer: is npm start running?\n`),
      );
    },
    (error) => {
      process.stderr.write(`example:web: ${error.message}\n`);
      process.exit(1);
    },
  );
}
