#!/usr/bin/env bash
# npm run auth:verify: folds every profile stream in auth's database (DATABASE_URL) and reports
# each profile whose snapshot in auth.profiles differs from the fold (exit 1). Builds first;
# IDSTREAM_DIST=<folder> builds into and runs from that folder instead of dist/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${IDSTREAM_DIST:-dist}"
npx tsc -p tsconfig.build.json --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo"
exec node -r ./scripts/register-aliases.cjs "$out/apps/auth/src/verify/verify.main.js" "$@"
