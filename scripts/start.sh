#!/usr/bin/env bash
# README start command: installs what is needed, builds, and starts the console
# on its embedded defaults (embedded database, simulated fleet, demo accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# Rebuild only when what the build reads really changed (by content: install regenerates the
# Prisma client with new timestamps every time, and a needless rebuild changes the server-action
# ids under a console that is already running from this checkout).
hash=$(bash scripts/source-hash.sh)
if [ ! -f .next/BUILD_ID ] || [ "$(cat .next/k2ops-source-hash 2>/dev/null)" != "$hash" ]; then
  npx next build
  echo "$hash" > .next/k2ops-source-hash
fi
export K2OPS_DEMO_USERS="${K2OPS_DEMO_USERS:-1}"
exec npx tsx scripts/console.ts "$@"
