// Preloaded into an app by the end-to-end benchmarks when BENCH_CPU_PROF_DIR is set
// (NODE_OPTIONS=-r bench/cpu-profile.cjs): samples the CPU from start-up and writes
// <dir>/<app>-<pid>.cpuprofile when the process is told to stop. `node --cpu-prof` cannot be
// used: Nest's shutdown hooks end the process by re-raising SIGTERM, and V8 writes its
// profile only on a normal exit. Read the profile with bench/cpuprofile-top.mjs or DevTools.
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    // Off again at once: Nest re-raises the signal after its shutdown, and a listener left here
    // would keep the process alive.
    process.removeListener('SIGTERM', write);
    process.removeListener('SIGINT', write);
    if (written) return;
    written = true;
    // A session on the main thread answers synchronously, so the file is written before Nest's
    // own SIGTERM listener runs.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      // dist/apps/<app>/src/main.js gives <app>.
      const name = process.argv[1] ? path.basename(path.dirname(path.dirname(process.argv[1]))) : 'node';
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.prependListener('SIGTERM', write);
  process.prependListener('SIGINT', write);
  process.on('exit', write);
}
