#!/usr/bin/env bash
# k2s node auto-update: runs on the node from root's crontab, daily at 04:00 host
# time (the host must be on Asia/Singapore for that to be 20:00 UTC):
#
#   0 4 * * * /apps/k2s/auto-update.sh >> /apps/k2s/auto-update.log 2>&1
#
# k2ops installs this file (rollout kind "auto-update"). What it does:
#   1. reads K2_NODE_NAME (else the hostname) and K2_VERSION (else latest) from
#      /apps/k2s/.env; rotates the log past 1 MiB (auto-update.log.old);
#   2. waits a random 0-599 s (K2_NO_STAGGER=1: no wait) so the fleet does not
#      pull at the same second;
#   3. `docker compose pull`, up to 5 attempts (30 s, 60 s, ... between them);
#   4. compares each running container's image with the image just pulled;
#      nothing changed (and no K2_FORCE_RESTART=1): logs so and exits 0;
#   5. otherwise snapshots the k2s logs to /var/log/k2s-crashes/ and brings the
#      stack up with `docker compose up -d` (never `down`: up -d recreates only
#      what changed). On a node cut by the traffic meter (k2s paused by the
#      sidecar's enforcer) only k2-sidecar is recreated: the cutoff is the
#      meter's decision, k2s stays paused and takes the new image at the next
#      run after the cut is lifted;
#   6. after 30 s reads the sidecar's health and the running containers.
# Slack (optional): the incoming-webhook URL comes from K2_SLACK_WEBHOOK in the
# environment, else K2_SLACK_WEBHOOK_URL in /apps/k2s/.env; neither set = no
# message. The URL is handed to curl on its stdin, never on a command line.
set -uo pipefail

DIR=/apps/k2s
LOG="$DIR/auto-update.log"
REPO=public.ecr.aws/d6n9t2r2
MAX_LOG_BYTES=1048576
VERIFY_WAIT=30

env_get() { # env_get KEY: the last KEY= line of .env, surrounding quotes removed ("" when absent)
  local v
  v=$(sed -n "s/^$1=//p" "$DIR/.env" 2> /dev/null | tail -n 1)
  v=${v%\"}; v=${v#\"}; v=${v%\'}; v=${v#\'}
  printf '%s' "$v"
}
utc() { date -u '+%Y-%m-%d %H:%M:%S UTC'; }

NODE=$(env_get K2_NODE_NAME)
[ -n "$NODE" ] || NODE=$(hostname)
TAG=$(env_get K2_VERSION)
[ -n "$TAG" ] || TAG=latest
WEBHOOK=${K2_SLACK_WEBHOOK:-$(env_get K2_SLACK_WEBHOOK_URL)}

if [ -d "$DIR" ]; then
  if [ -f "$LOG" ] && [ "$(stat -c %s "$LOG" 2> /dev/null || echo 0)" -gt "$MAX_LOG_BYTES" ]; then
    mv -f "$LOG" "$LOG.old"
  fi
  exec >> "$LOG" 2>&1
fi

json_escape() { # json_escape TEXT: TEXT as the inside of a JSON string
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
  printf '%s' "$s"
}
slack() { # slack EMOJI TITLE MESSAGE (no webhook configured: nothing is sent)
  [ -n "$WEBHOOK" ] || return 0
  local text
  text=$(printf '%s *%s*\n`%s` - %s' "$1" "$2" "$NODE" "$3")
  printf 'url = "%s"\n' "$WEBHOOK" |
    curl -fsS -m 10 -K - -H 'Content-Type: application/json' --data-binary "{\"text\":\"$(json_escape "$text")\"}" > /dev/null ||
    echo "WARNING: the Slack notification could not be sent"
}
fail() { # fail MESSAGE: logged, reported, exit 1
  echo "ERROR: $1"
  slack ":red_circle:" "Auto-update FAILED" "$1"
  echo "Finished: $(utc)"
  echo
  exit 1
}

echo "========================================"
echo "Auto-update started: $(utc)"
echo "========================================"
cd "$DIR" 2> /dev/null || fail "Cannot cd to $DIR"

if [ "${K2_NO_STAGGER:-0}" != 1 ]; then
  delay=$((RANDOM % 600))
  echo "Stagger delay: ${delay}s"
  sleep "$delay"
fi

echo "--- Pulling images ---"
pulled=0
for attempt in 1 2 3 4 5; do
  if docker compose pull; then
    pulled=1
    break
  fi
  if [ "$attempt" -lt 5 ]; then
    echo "Pull attempt $attempt failed, retrying in $((30 * attempt))s..."
    sleep $((30 * attempt))
  fi
done
[ "$pulled" = 1 ] || fail "docker compose pull failed after 5 attempts"

short_id() { cut -c8-19; } # sha256:<first 12 hex>
restart=0
for name in k2-sidecar k2s; do
  running=$(docker inspect --format '{{.Image}}' "$name" 2> /dev/null | short_id)
  latest=$(docker image inspect --format '{{.Id}}' "$REPO/$name:$TAG" 2> /dev/null | short_id)
  if [ -n "$running" ] && [ -n "$latest" ] && [ "$running" != "$latest" ]; then
    echo "  $name: running=$running $TAG=$latest -> CHANGED"
    restart=1
  fi
done
if [ "${K2_FORCE_RESTART:-0}" = 1 ]; then
  echo "Force restart requested (K2_FORCE_RESTART=1)"
  restart=1
fi
if [ "$restart" = 0 ]; then
  echo "All containers already on $TAG, no restart needed."
  echo "Finished: $(utc)"
  echo
  exit 0
fi

echo "Restarting containers..."
echo "--- Snapshotting k2s logs before up ---"
mkdir -p /var/log/k2s-crashes
snap="/var/log/k2s-crashes/snapshot-$(date -u '+%Y%m%d-%H%M%S').log"
{
  echo "=== k2s snapshot before auto-update ==="
  echo "Node: $NODE"
  echo "Time: $(utc)"
  docker inspect --format 'ExitCode={{.State.ExitCode}} Status={{.State.Status}} StartedAt={{.State.StartedAt}} OOMKilled={{.State.OOMKilled}} RestartCount={{.RestartCount}}' k2s 2>&1
  docker logs --tail 500 --timestamps k2s 2>&1
} > "$snap"
echo "Saved to $snap"

echo "--- Starting containers (up) ---"
if [ "$(docker inspect --format '{{.State.Paused}}' k2s 2> /dev/null)" = true ]; then
  echo "k2s is paused (traffic cutoff by the meter): only k2-sidecar is recreated; k2s stays paused"
  docker compose up -d k2-sidecar || fail "docker compose up -d k2-sidecar failed"
else
  docker compose up -d || fail "docker compose up -d failed"
fi

echo "--- Verifying (wait ${VERIFY_WAIT}s) ---"
sleep "$VERIFY_WAIT"
health=$(docker inspect --format '{{.State.Health.Status}}' k2-sidecar 2> /dev/null || echo not-found)
[ -n "$health" ] || health=not-found
count=$(docker compose ps --status running -q 2> /dev/null | grep -c .)
echo "Sidecar health: $health"
echo "Running containers: $count"
if [ "$health" = healthy ]; then
  slack ":white_check_mark:" "Auto-update OK" "Updated and restarted. Sidecar healthy, $count containers running."
else
  slack ":large_yellow_circle:" "Auto-update WARNING" "Updated but sidecar status: $health. $count containers running."
fi
echo "Finished: $(utc)"
echo
