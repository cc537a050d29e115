#!/usr/bin/env bash
# README test command (and .ci/run): installs what is needed, then runs every
# test: typecheck, lint, unit, database tests on the embedded database AND on a
# real PostgreSQL 15 server, integration (real sshd simulated nodes, Center
# simulator), the production build, and Playwright end-to-end in Debian's Chromium.
# Every step runs even when an earlier one fails; the exit code says if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1

REPORTS=$(mktemp -d /tmp/k2ops-test-reports.XXXXXX)
failed_steps=()
# step NAME [REPORT.json] -- COMMAND...   (REPORT: the JSON report the command writes, if any)
step() {
  local name=$1 report=""; shift
  if [ "$1" != "--" ]; then report=$1; shift; fi
  shift
  echo
  echo "=== $name ==="
  local t0=$SECONDS
  if "$@"; then echo "=== $name: ok ($((SECONDS - t0)) s) ==="; else echo "=== $name: FAILED ($((SECONDS - t0)) s) ==="; failed_steps+=("$name|$report"); fi
}

export CI="${CI:-}" NODE_ENV=test
step "typecheck" -- npx tsc --noEmit -p .
step "lint" -- npx eslint --max-warnings=0 .
step "unit" unit.json -- npx vitest run --project unit --reporter=default --reporter=json --outputFile="$REPORTS/unit.json"
step "database (embedded PGlite)" db-embedded.json -- npx vitest run --project db --reporter=default --reporter=json --outputFile="$REPORTS/db-embedded.json"
PG_URL=$(bash scripts/pg-test-server.sh start /tmp/k2ops-pg-test 55432) || PG_URL=""
if [ -n "$PG_URL" ]; then
  step "database (PostgreSQL 15 server)" db-postgres.json -- env K2OPS_TEST_PG_URL="$PG_URL" npx vitest run --project db --reporter=default --reporter=json --outputFile="$REPORTS/db-postgres.json"
else
  echo "could not start PostgreSQL"; failed_steps+=("database (PostgreSQL 15 server)|")
fi
step "integration (real sshd nodes, simulators)" integration.json -- env K2OPS_IT_PG_URL="$PG_URL" npx vitest run --project integration --project integration-timed --passWithNoTests --reporter=default --reporter=json --outputFile="$REPORTS/integration.json"
bash scripts/pg-test-server.sh stop /tmp/k2ops-pg-test
step "build" -- npx next build
step "e2e (Playwright, Chromium)" e2e.json -- env PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/e2e.json" npx playwright test --reporter=list,json

node scripts/test-summary.mjs "$REPORTS" "${failed_steps[@]}"
[ ${#failed_steps[@]} -eq 0 ]
