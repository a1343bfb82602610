#!/usr/bin/env bash
# npm start: the whole system on this machine. Starts the local Kafka broker unless
# KAFKA_BROKERS is set, builds, then runs the four apps (scripts/run-apps.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${KAFKA_BROKERS:-}" ]]; then bash scripts/kafka.sh start; fi
# Development keys for crypto-shredding when none are set: made once, random, kept in
# .data/dev-secrets.env (git-ignored) so data written by an earlier run still opens. auth has
# no default for them: a production deployment sets its own (README, "Configuration").
if [[ -z "${IDSTREAM_MASTER_KEYS:-}" || -z "${IDSTREAM_KEY_SERVICE_SECRET:-}" ]]; then
  secrets=.data/dev-secrets.env
  if [[ ! -f "$secrets" ]]; then
    mkdir -p .data
    (umask 077 && node -e '
      const { randomBytes } = require("node:crypto");
      console.log(`IDSTREAM_MASTER_KEYS=dev1:${randomBytes(32).toString("base64")}`);
      console.log(`IDSTREAM_KEY_SERVICE_SECRET=${randomBytes(32).toString("base64url")}`);
    ' > "$secrets")
  fi
  echo "start: development keys from $secrets (for what the environment does not set)"
  given_keys="${IDSTREAM_MASTER_KEYS:-}" given_secret="${IDSTREAM_KEY_SERVICE_SECRET:-}"
  set -a
  # shellcheck source=/dev/null
  source "$secrets"
  set +a
  if [[ -n "$given_keys" ]]; then export IDSTREAM_MASTER_KEYS="$given_keys"; fi
  if [[ -n "$given_secret" ]]; then export IDSTREAM_KEY_SERVICE_SECRET="$given_secret"; fi
fi
npm run --silent build
exec node scripts/run-apps.mjs "$@"
