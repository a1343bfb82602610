// Maps the @idstream/<lib> import aliases of tsconfig.json to the compiled libraries in
// dist/, so compiled apps and tests run with plain `node -r ./scripts/register-aliases.cjs`.
const Module = require('node:module');
const path = require('node:path');

// IDSTREAM_DIST lets parallel builds use their own output folder (default: dist).
const dist = path.resolve(__dirname, '..', process.env.IDSTREAM_DIST || 'dist', 'libs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const match = /^@idstream\/([a-z-]+)$/.exec(request);
  if (match) request = path.join(dist, match[1], 'src', 'index.js');
  return resolve.call(this, request, ...rest);
};
