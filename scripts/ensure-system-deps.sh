#!/usr/bin/env bash
# Installs the Debian packages k2ops needs for its simulated fleet and its tests,
# only when missing (apt-get update runs once, and only if something is missing).
# Idempotent; safe to run on every start and every test run.
set -euo pipefail

PACKAGES=(
  postgresql        # real PostgreSQL 15 server for the integration tests
  chromium          # Playwright end-to-end tests (npx playwright install cannot download here)
  openssh-server    # one real sshd per simulated node
  openssh-client
  sudo              # the simulated nodes' `sudo` (ubuntu user, passwordless)
  iproute2
  procps
  util-linux        # unshare / nsenter for per-node mount namespaces
  psmisc
  curl
  busybox           # the simulated nodes' containers: Alpine's userland (docker exec runs busybox's sh, cat, wget …)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "k2ops needs these Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the packaged sshd/postgres services are not used (k2ops starts its own instances)
for svc in ssh postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" >/dev/null 2>&1 || true
  fi
done
exit 0
