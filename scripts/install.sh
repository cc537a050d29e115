#!/usr/bin/env bash
# Installs everything k2ops needs on a fresh Debian/Ubuntu machine (root):
# Debian packages (only missing ones), npm dependencies (only when the lock
# changed), and the generated Prisma client. Shared by start.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The registry reachable here serves only the Linux builds of platform-specific
  # optional packages, so npm records none of the others in the lock and `npm ci`
  # refuses the lock as "out of sync". `npm install` installs exactly the locked
  # versions (package.json pins every direct dependency) and tolerates that.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
    || npm install --no-audit --no-fund --loglevel=error
fi
PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npx prisma generate >/dev/null
