#!/usr/bin/env bash
# npm start: the whole system on this machine. Starts the local Kafka broker unless
# KAFKA_BROKERS is set, builds, then runs the four apps (scripts/run-apps.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${KAFKA_BROKERS:-}" ]]; then bash scripts/kafka.sh start; fi
npm run --silent build
exec node scripts/run-apps.mjs "$@"
