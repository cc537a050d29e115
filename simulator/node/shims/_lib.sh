# shellcheck shell=bash
# Shared helpers of a simulated node's command shims (node-behavior.md §1.5, §2, §3.4, §4).
# Inside the node's mount namespace /var/lib/k2sim is the node's simulator dir:
# node.env (identity + host facts), state.json (containers), sidecar.log (docker
# logs of k2-sidecar, "1 " = stdout / "2 " = stderr prefixes), faults/, commands.jsonl.
K2SIM=/var/lib/k2sim
# shellcheck disable=SC1091
. "$K2SIM/node.env"
# the simulator's own first `up -d` stands for a provisioning long past: no health wait
[ -n "${K2SIM_PROVISIONED_LONG_AGO:-}" ] && HEALTH_DELAY_MS=0
STATE="$K2SIM/state.json"
SLOG="$K2SIM/sidecar.log"
DOMAIN="${IP//./-}.sslip.io"
# the sidecar's config volume as the sidecar sees it (mounted at /etc/kaitu in its container)
CFG=/etc/kaitu
# state is shared by ubuntu (docker group on a real node) and root (sudo docker)
umask 000

# the node's clock: real time plus $K2SIM/clock-offset-ms (a node whose clock runs ahead, e.g. to reach a billing-cycle boundary)
CLOCK_OFFSET_MS=0; [ -s "$K2SIM/clock-offset-ms" ] && read -r CLOCK_OFFSET_MS < "$K2SIM/clock-offset-ms"
nowms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $(( ${t:0:13} + CLOCK_OFFSET_MS )); }
ts() { tsat "$(nowms)"; }
tsat() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
fault() { [ -e "$K2SIM/faults/$1" ]; }
lock() { exec 9>>"$K2SIM/.lock"; flock 9; }
unlock() { flock -u 9; }

# fault: one node command hangs inside a session (a wedged daemon), matched on "<command> <args>"
if [ -s "$K2SIM/faults/shim-hang" ] && printf '%s %s' "${0##*/}" "$*" | grep -qE -f "$K2SIM/faults/shim-hang"; then sleep 600; fi

human() { # Docker's human duration (go-units HumanDuration)
  local s=$1
  if [ "$s" -lt 1 ]; then echo "Less than a second"; elif [ "$s" -eq 1 ]; then echo "1 second"; elif [ "$s" -lt 60 ]; then echo "$s seconds"
  elif [ "$s" -lt 120 ]; then echo "About a minute"; elif [ "$s" -lt 2820 ]; then echo "$((s / 60)) minutes"
  elif [ "$s" -lt 5400 ]; then echo "About an hour"; elif [ "$s" -lt 172800 ]; then echo "$(((s + 1800) / 3600)) hours"
  elif [ "$s" -lt 1209600 ]; then echo "$(((s + 43200) / 86400)) days"; elif [ "$s" -lt 7862400 ]; then echo "$(((s + 302400) / 604800)) weeks"
  elif [ "$s" -lt 31536000 ]; then echo "$(((s + 1296000) / 2592000)) months"; else echo "$(((s + 15768000) / 31536000)) years"; fi
}

# ---- state.json -------------------------------------------------------------
# jq costs ~20 ms per start on a small machine; reads (most commands) use a
# bash rendering of state.json (state.sh) that is rebuilt only after a write.
STATE_SH="$K2SIM/state.sh"
jq_state() { # jq_state [jq args...] FILTER — rewrites state.json in place (caller holds the lock)
  local out
  out=$(jq -c "$@" "$STATE") || return 1
  printf '%s\n' "$out" > "$STATE"
  rm -f "$STATE_SH"
}
declare -A C_IMG C_STATE C_HEALTH C_RC C_CREATED C_STARTED C_HAT C_LOOP C_EXIT C_DIR C_PROJ C_BILL C_LIMIT C_VER C_ENV
NAMES=()
render_state() {
  jq -r '
    @sh "METER_START=\(.meterStart // 0); USED_BASE=\(.usedBase // 0); REPORTED=\(.reported // 0); LOOP_LOGGED=\(.loopLogged // 0); SEQ=\(.seq // 0); REPORT_MS=\(.reportEveryMs // 0)",
    (.containers[] | @sh "NAMES+=(\(.name)); C_IMG[\(.name)]=\(.image); C_STATE[\(.name)]=\(.state); C_HEALTH[\(.name)]=\(.health); C_RC[\(.name)]=\(.restartCount); C_CREATED[\(.name)]=\(.created); C_STARTED[\(.name)]=\(.started); C_HAT[\(.name)]=\(.healthyAt); C_LOOP[\(.name)]=\(.loop // ""); C_EXIT[\(.name)]=\(.exitCode); C_DIR[\(.name)]=\(.workdir); C_PROJ[\(.name)]=\(.project); C_BILL[\(.name)]=\(.env.K2_NODE_BILLING_START_DATE // ""); C_LIMIT[\(.name)]=\(.env.K2_NODE_TRAFFIC_LIMIT_GB // "0"); C_VER[\(.name)]=\(.env.K2_VERSION // "")"),
    (.containers[] | .name as $n | .env | to_entries[] | @sh "C_ENV[\($n + "|" + .key)]=\(.value)")
  ' "$STATE" > "$STATE_SH.$$" && mv -f "$STATE_SH.$$" "$STATE_SH"
}
load() {
  NAMES=(); C_IMG=(); C_STATE=(); C_HEALTH=(); C_RC=(); C_CREATED=(); C_STARTED=(); C_HAT=(); C_LOOP=(); C_EXIT=(); C_DIR=(); C_PROJ=(); C_BILL=(); C_LIMIT=(); C_VER=(); C_ENV=()
  # state.json may also be written by the simulator itself (newer than the rendering)
  { [ -s "$STATE_SH" ] && ! [ "$STATE" -nt "$STATE_SH" ]; } || render_state
  # shellcheck disable=SC1090
  . "$STATE_SH"
}
has() { [ -n "${C_STATE[$1]:-}" ]; }
cupd() { # cupd NAME JQ-EXPR [jq args] — update one container record
  local n=$1 e=$2; shift 2
  nic_sync # traffic flowed (or not) under the old state up to now
  jq_state --arg n "$n" --argjson now "$(nowms)" "$@" "(.containers[] | select(.name == \$n)) |= ($e)"
}
cdel() { nic_sync; jq_state --arg n "$1" 'del(.containers[] | select(.name == $n))'; }
cnew() { # cnew NAME IMAGE ENVJSON WORKDIR PROJECT — a created (not started) container
  nic_sync
  jq_state --arg n "$1" --arg i "$2" --argjson env "$3" --arg d "$4" --arg p "$5" --argjson now "$(nowms)" \
    '.containers = ([.containers[] | select(.name != $n)] + [{name: $n, image: $i, state: "created", health: "", restartCount: 0, exitCode: 0, env: $env, created: $now, started: 0, healthyAt: 0, loop: null, workdir: $d, project: $p}] | sort_by(.name))'
}
# shellcheck disable=SC1091
. "${BASH_SOURCE[0]%/*}/_dotenv.sh"
env_json() { # .env file → the containers' env (JSON) as Docker Compose reads it (_dotenv.sh); the caller reported warnings/errors
  [ -f "$1" ] || { echo '{}'; return; }
  [ "$DOTENV_FILE" = "$1" ] || dotenv_parse "$1"
  dotenv_json
}
cenv() { # cenv NAME KEY — a container's env snapshot value (called in $(...): loading here leaves the caller alone)
  load
  printf '%s\n' "${C_ENV[$1|$2]:-}"
}

# ---- sidecar log ------------------------------------------------------------
out1() { printf '1 %s\n' "$1" >> "$SLOG"; }
slog_at() { # slog_at MS LEVEL MSG [ATTRS]
  printf '2 time=%s level=%s msg="%s"%s\n' "$(tsat "$1")" "$2" "$3" "${4:+ $4}" >> "$SLOG"
}
slog() { slog_at "$(nowms)" "$@"; }

tunnel_name() { # the tunnel container that exists (a migrated legacy node runs k2s); the host fact before the first up
  if has k2-slave; then echo k2-slave; elif has k2s; then echo k2s; elif [ "$LEGACY" = 1 ]; then echo k2-slave; else echo k2s; fi
}
compose_tunnel() { # the tunnel service of the compose file in $1 (legacy files name it k2-slave)
  if grep -Eq '^[[:space:]]+container_name:[[:space:]]*["'"'"']?k2-slave' "$1/docker-compose.yml" 2>/dev/null; then echo k2-slave; else echo k2s; fi
}
vol_ensure() { # vol_ensure PROJECT — named volumes belong to a project: its first up creates <project>_config EMPTY
  # (dir-migration.md: no certificate, no traffic.state, the meter restarts at 0). /etc/kaitu is the mounted
  # config volume: the other project's content is parked (the volume stays on disk) and comes back with it.
  local cur; cur=$(jq -r '.volume // ""' "$STATE")
  [ "$cur" = "$1" ] && return 0
  if [ -z "$cur" ]; then jq_state --arg p "$1" '.volume = $p | .volumes = ((.volumes // []) + [$p] | unique)'; return 0; fi
  local vd="$K2SIM/volumes" live="$K2SIM/root/etc/kaitu"
  mkdir -p "$vd/$cur"
  find "$live" -mindepth 1 -maxdepth 1 -exec mv -t "$vd/$cur/" {} +
  [ -d "$vd/$1" ] && { find "$vd/$1" -mindepth 1 -maxdepth 1 -exec mv -t "$live/" {} +; rmdir "$vd/$1"; }
  jq_state --arg c "$cur" --arg p "$1" --argjson now "$(nowms)" --argjson rate "$RATE_PER_S" '
    .volMeter[$c] = {usedBase: (if (.meterStart // 0) > 0 then (.usedBase // 0) + ((($now - .meterStart) * $rate / 1000) | floor) else (.usedBase // 0) end)}
    | .usedBase = (.volMeter[$p].usedBase // 0) | .meterStart = 0 | .reported = 0 | del(.usedPending)
    | .volume = $p | .volumes = ((.volumes // []) + [$p] | unique)'
  load
}

k2s_start() { # the tunnel container starts: entrypoint lines (docker logs) + "server ready" in its log file
  local n=$1 dir; dir=${C_DIR[$n]:-$DEPLOY_DIR}
  cupd "$n" '.state = "running" | .started = $now | .exitCode = 0 | .health = ""'
  printf '%s\n' "[INFO] Waiting for sidecar to generate config: /etc/kaitu/k2v5-config.yaml" "[INFO] Sidecar ready flag found" \
    "[INFO] Config file found: /etc/kaitu/k2v5-config.yaml" "[INFO] Starting k2s with config: /etc/kaitu/k2v5-config.yaml" >> "$K2SIM/$n.stdout"
  mkdir -p "$dir/logs" 2>/dev/null
  # fault: a k2s that hangs in its start-up never logs "server ready"
  fault k2s-not-ready || printf 'time=%s level=INFO msg="k2s server ready" listen=:443\n' "$(ts)" >> "$dir/logs/k2s.log"
}

# ---- time passes: health checks, restart loops (_sidecar.sh), the meter (_meter.sh) ----
tick() {
  load
  local now; now=$(nowms)
  sidecar_tick "$now"
  local loop=${C_LOOP[k2-sidecar]:-}
  meter_tick "$now" "$loop"
}
setvar() { # setvar KEY VALUE — change a host fact in node.env (in place: the dir may not be writable)
  local body; body=$(grep -v "^$1=" "$K2SIM/node.env"); printf '%s\n%s=%q\n' "$body" "$1" "$2" > "$K2SIM/node.env"
}

# shellcheck disable=SC1091
. "${BASH_SOURCE[0]%/*}/_sidecar.sh"
# shellcheck disable=SC1091
. "${BASH_SOURCE[0]%/*}/_meter.sh"
