#!/usr/bin/env bash
# npm run projector:rebuild [-- --keep-old]: rebuilds the profile read model from offset 0 of
# identity.events into a shadow schema while the live projector keeps serving, then swaps it
# in atomically (docs/projector.md). Run it with the live projector's environment
# (DATABASE_URL, KAFKA_BROKERS, PROJECTOR_SCHEMA, PROJECTOR_GROUP_ID, and AUTH_HOST, AUTH_TCP_PORT,
# IDSTREAM_KEY_SERVICE_SECRET for auth's key service: sealed personal fields open with it). Builds first, like
# npm start; IDSTREAM_DIST=<folder> builds into and runs from that folder instead of dist/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${IDSTREAM_DIST:-dist}"
npx tsc -p tsconfig.build.json --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo"
exec node -r ./scripts/register-aliases.cjs "$out/apps/profile-projector/src/rebuild/rebuild.main.js" "$@"
