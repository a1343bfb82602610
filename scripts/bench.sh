#!/usr/bin/env bash
# npm run bench: the speed and memory figures, each benchmark against its baseline in the same
# run (ratios). Starts the local broker unless KAFKA_BROKERS is set, builds, then runs every
# benchmark in its own node process and prints one table each, then the summary table of the
# end-to-end figures (bench/report.ts), which it also writes to bench/results/<timestamp>.json.
# docs/benchmarks.md says what each one compares and lists the figures of the last run.
#   npm run bench                   every benchmark
#   npm run bench -- crypto outbox  only the benchmarks whose name contains one of the words
#   npm run bench -- --smoke        every benchmark for a second or two (BENCH_SMOKE=1): CI
#                                   runs this to prove they run and print, not their figures
# IDSTREAM_DIST=<folder> builds into and runs from that folder instead of dist/.
# Every load loop is bounded in count and in time, on loopback only; knobs (BENCH_*) are
# listed in docs/benchmarks.md. Exits 1 when a benchmark failed, else 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# One name a line, so that branches adding benchmarks merge without conflicts.
benchmarks=(
  kafka-produce
  outbox-relay
  idempotent-consumer
  crypto
  sealing
  gateway-http
  user-routes
  tracking-pipeline
  projector-replay
  profile-load
  sdk
  observability
  own-events
  external-sign-in
)
words=()
for arg in "$@"; do
  if [[ "$arg" == --smoke ]]; then export BENCH_SMOKE=1; else words+=("$arg"); fi
done
selected=()
for name in "${benchmarks[@]}"; do
  if [[ ${#words[@]} -eq 0 ]]; then selected+=("$name"); continue; fi
  for word in "${words[@]}"; do [[ "$name" == *"$word"* ]] && { selected+=("$name"); break; }; done
done
if [[ ${#selected[@]} -eq 0 ]]; then echo "bench: no benchmark matches: ${words[*]} (there are: ${benchmarks[*]})" >&2; exit 2; fi

if [[ "${BENCH_SMOKE:-}" == 1 ]]; then
  # Smoke: the least work that still goes through every case (a knob already set wins).
  echo "bench: smoke mode (BENCH_SMOKE=1): the figures prove the benchmarks run, nothing more"
  export BENCH_PRODUCE_RECORDS="${BENCH_PRODUCE_RECORDS:-2000}" BENCH_PRODUCE_SECONDS="${BENCH_PRODUCE_SECONDS:-3}"
  export BENCH_PRODUCE_SINGLE_SECONDS="${BENCH_PRODUCE_SINGLE_SECONDS:-0.5}"
  export BENCH_OUTBOX_SINGLE_EVENTS="${BENCH_OUTBOX_SINGLE_EVENTS:-100}" BENCH_OUTBOX_BATCHED_EVENTS="${BENCH_OUTBOX_BATCHED_EVENTS:-1000}"
  export BENCH_OUTBOX_SECONDS="${BENCH_OUTBOX_SECONDS:-5}" BENCH_OUTBOX_CEILING_SECONDS="${BENCH_OUTBOX_CEILING_SECONDS:-0.5}"
  export BENCH_CONSUMER_EVENTS="${BENCH_CONSUMER_EVENTS:-1000}" BENCH_PBKDF2_HASHES="${BENCH_PBKDF2_HASHES:-1}"
  export BENCH_CRYPTO_SECONDS="${BENCH_CRYPTO_SECONDS:-0.5}" BENCH_CRYPTO_ROUNDS="${BENCH_CRYPTO_ROUNDS:-2}"
  export BENCH_SEALING_SECONDS="${BENCH_SEALING_SECONDS:-0.5}" BENCH_SEALING_ROUNDS="${BENCH_SEALING_ROUNDS:-2}"
  export BENCH_HTTP_SECONDS="${BENCH_HTTP_SECONDS:-1}" BENCH_HTTP_ROUNDS="${BENCH_HTTP_ROUNDS:-1}" BENCH_HTTP_NEW_DEVICES="${BENCH_HTTP_NEW_DEVICES:-20}"
fi

if [[ -z "${KAFKA_BROKERS:-}" ]]; then bash scripts/kafka.sh start; fi
out="${IDSTREAM_DIST:-dist}"
export IDSTREAM_DIST="$out"
echo "bench: building into $out/"
# tsc exits 2 when it found type errors but still emitted: the figures do not depend on them
# (typecheck and CI do), so say so and go on; any other failure stops here.
tsc_rc=0
npx tsc -p tsconfig.build.json --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo" || tsc_rc=$?
if [[ $tsc_rc -eq 2 ]]; then echo "bench: tsc reported type errors (above) but emitted; benchmarking what it emitted" >&2
elif [[ $tsc_rc -ne 0 ]]; then exit "$tsc_rc"; fi

# Figures a later benchmark compares with (e.g. the outbox against the raw producer).
export BENCH_RESULTS="$out/bench-results.json"
rm -f "$BENCH_RESULTS"
node -e '
  const os = require("node:os");
  const cpu = os.cpus()[0];
  console.log(`\nidstream benchmarks, ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${cpu ? cpu.model.trim() : "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  const load = os.loadavg();
  console.log(`os.loadavg(): ${load.map((l) => l.toFixed(2)).join(" ")}${load[0] > os.cpus().length ? "  (busier than its cores: the machine is shared, figures are noisy)" : ""}`);
'

export BENCH_ARGS="$*" BENCH_LOAD_AT_START="$(cut -d" " -f1-3 /proc/loadavg 2>/dev/null || true)"
failed=()
start=$SECONDS
for name in "${selected[@]}"; do
  node --expose-gc -r ./scripts/register-aliases.cjs "$out/bench/$name.bench.js" || failed+=("$name")
done
node -r ./scripts/register-aliases.cjs "$out/bench/report.js" || failed+=(report)
echo ""
echo "bench: ${#selected[@]} benchmark(s) in $((SECONDS - start)) s${failed:+; FAILED: ${failed[*]}}"
[[ ${#failed[@]} -eq 0 ]]
