#!/usr/bin/env bash
# README start command: installs what is needed, builds, and starts the console
# on its embedded defaults (embedded database, simulated fleet, demo accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib -newer .next/BUILD_ID -type f -print -quit 2>/dev/null)" ]; then
  npx next build
fi
export K2OPS_DEMO_USERS="${K2OPS_DEMO_USERS:-1}"
exec npx tsx scripts/console.ts "$@"
