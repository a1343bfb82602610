// The node flags every app process runs with, in ONE place for every way an app is started:
// `npm start` (scripts/run-apps.mjs), the container image (Dockerfile) and the tests and
// benchmarks (startNodeProcess, libs/testing). `node scripts/app-node-flags.cjs` prints them
// for a shell. They go on the command line, where an app's own NODE_OPTIONS cannot drop them;
// a flag that NODE_OPTIONS names itself is left out, so a deployment (or the benchmarks'
// BENCH_APP_NODE_OPTIONS) can still set another value: NODE_OPTIONS wins.
//
// Why these values (docs/operations.md, "Memory"; figures in docs/benchmarks.md):
// - V8's old generation grows by a factor of up to 4 between full collections when the heap
//   limit is large (the default here is about 4 GiB, from the machine's memory): an app with
//   40-60 MiB of live objects let 150-230 MiB of garbage pile up under load. With a limit of
//   512 MiB the factor is about 1.4, and the limit is a safety net besides: a leak ends the
//   process (which restarts) instead of the machine's memory.
// - The young generation (two semi-spaces, 16 MiB each by default) is resident once used;
//   8 MiB each keeps the short-lived objects of a request or a batch there at half the memory.
'use strict';

/** @type {readonly string[]} */
const APP_NODE_FLAGS = Object.freeze(['--max-old-space-size=512', '--max-semi-space-size=8']);

/** The flag's name as node and V8 compare it: `--max_old_space_size=1` and `--max-old-space-size` are one flag. */
function flagName(flag) {
  return flag.split('=')[0].replace(/_/g, '-');
}

/**
 * The flags to put on an app's command line: APP_NODE_FLAGS without those that `nodeOptions`
 * (the NODE_OPTIONS the app will see) sets itself.
 * @param {string} [nodeOptions]
 * @returns {string[]}
 */
function appNodeFlags(nodeOptions = process.env.NODE_OPTIONS || '') {
  const given = new Set(
    nodeOptions
      .split(/\s+/)
      .filter((word) => word.startsWith('--'))
      .map(flagName),
  );
  return APP_NODE_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

module.exports = { APP_NODE_FLAGS, appNodeFlags };

if (require.main === module) process.stdout.write(appNodeFlags().join(' '));
