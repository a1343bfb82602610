#!/usr/bin/env bash
# npm test: every test against the real Kafka broker and PostgreSQL. Starts the local broker
# unless KAFKA_BROKERS is set, builds, runs the three tiers, and ends with "N passed, N failed".
#   npm test                  all tiers
#   npm test -- <filter>      only compiled test files whose path contains <filter>
#   npm run test:faults       the fault suite (test/faults/*.fault-spec.ts) instead; each fault's
#                             outcome goes to <out>/faults-report.jsonl for docs/reliability.md
# IDSTREAM_DIST=<folder> builds into and tests from that folder instead of dist/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${KAFKA_BROKERS:-}" ]]; then bash scripts/kafka.sh start; fi
out="${IDSTREAM_DIST:-dist}"
npx tsc -p tsconfig.build.json --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo"
if [[ " $* " == *" --faults "* ]]; then
  export FAULTS_REPORT="$(cd "$out" && pwd)/faults-report.jsonl"
  : >"$FAULTS_REPORT"
fi
exec node scripts/run-tests.mjs "$@"
