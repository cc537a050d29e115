#!/usr/bin/env bash
# Installs everything k2ops needs on a fresh Debian/Ubuntu machine (root):
# Debian packages (only missing ones), npm dependencies (only when the lock
# changed), and the generated Prisma client. Shared by start.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npx prisma generate >/dev/null
