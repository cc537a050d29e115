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
# state is shared by ubuntu (docker group on a real node) and root (sudo docker)
umask 000

nowms() { local t=${EPOCHREALTIME//[!0-9]/}; echo "${t:0:13}"; }
ts() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
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
  jq_state --arg n "$n" --argjson now "$(nowms)" "$@" "(.containers[] | select(.name == \$n)) |= ($e)"
}
cdel() { jq_state --arg n "$1" 'del(.containers[] | select(.name == $n))'; }
cnew() { # cnew NAME IMAGE ENVJSON WORKDIR PROJECT — a created (not started) container
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

# ---- metering ---------------------------------------------------------------
used_at() { # cumulative bytes at MS (climbs ~110 kB/s while the meter runs)
  echo $((USED_BASE + ($1 - METER_START) * RATE_PER_S / 1000))
}
cycle_end() { # billing cycle end (§4.3) for a yyyy-mm-dd start date: day D of this month, or of the next once past
  local d=${1##*-} y m now c; d=$((10#${d:-1})); now=$(date -u +%s)
  y=$(date -u +%Y); m=$((10#$(date -u +%m)))
  c=$(date -u -d "$(printf '%04d-%02d-%02d' "$y" "$m" "$d") 00:00:00 UTC" +%s 2>/dev/null) || c=$now
  if [ "$now" -gt "$c" ]; then m=$((m + 1)); [ "$m" -gt 12 ] && { m=1; y=$((y + 1)); }; c=$(date -u -d "$(printf '%04d-%02d-%02d' "$y" "$m" "$d") 00:00:00 UTC" +%s); fi
  echo "$c"
}

# ---- Center (registration) --------------------------------------------------
center_call() { # center_call PUT|DELETE CONTAINER → "<status> <code> <created> <nodeCreated> <ms> <msg>"
  # curl + one jq (a node process per call cost ~180 ms of CPU); the secret and the
  # claim reach jq and curl through the environment and a config on a pipe, never argv
  load
  local c=$2 center t0 resp st body=""
  center=${C_ENV[$c|K2_CENTER_URL]:-https://k2.52j.me}; center=${center%/}
  export SIM_SECRET=${C_ENV[$c|K2_NODE_SECRET]:-} SIM_CLAIM=${C_ENV[$c|K2_PRIVATE_CLAIM]:-}
  if [ "$1" = PUT ]; then
    body=$(SIM_COUNTRY=$COUNTRY SIM_REGION=${C_ENV[$c|K2_NODE_REGION]:-} SIM_NAME=${C_ENV[$c|K2_NODE_NAME]:-$IP} SIM_IPTYPE=${C_ENV[$c|K2_IP_TYPE]:-unknown} SIM_DOMAIN=$DOMAIN \
      jq -cn '{country: env.SIM_COUNTRY, region: env.SIM_REGION, name: env.SIM_NAME, ipType: env.SIM_IPTYPE, secretToken: env.SIM_SECRET,
        tunnels: [{domain: env.SIM_DOMAIN, protocol: "k2v5", port: 443, hopPortStart: 40000, hopPortEnd: 40019, hasTunnel: true}], meta: {arch: "k2v5"}}
        + (if env.SIM_CLAIM != "" then {privateClaim: env.SIM_CLAIM} else {} end)')
  fi
  t0=$(nowms)
  resp=$(printf '%s' "$body" | curl -sS -m $(( (CENTER_TIMEOUT_MS + 999) / 1000 )) -K <(printf 'user = "%s:%s"\n' "$IP" "$SIM_SECRET") \
    -X "$1" -H 'Content-Type: application/json' ${body:+--data-binary @-} -w '\n%{http_code}' "$center/slave/nodes/$IP" 2>/dev/null)
  st=${resp##*$'\n'}; resp=${resp%$'\n'*}
  unset SIM_SECRET SIM_CLAIM
  [[ $st =~ ^[0-9]{3}$ ]] && [ "$st" != 000 ] || { echo "000 x false false $(( $(nowms) - t0 )) \"\""; return 0; }
  local CODE=x MSG="" TC=false NC=false CERT="" KEY="" TD=""
  eval "$(printf '%s' "$resp" | jq -r '@sh "CODE=\(.code // "x") MSG=\(.message // "") TC=\(((.data.tunnels // [])[0].created) == true) NC=\(.data.created == true) CERT=\(((.data.tunnels // [])[0].sslCert) // "") KEY=\(((.data.tunnels // [])[0].sslKey) // "") TD=\(((.data.tunnels // [])[0].domain) // "")"' 2>/dev/null)"
  if [ "$1" = PUT ] && [ -n "$CERT" ] && [ -n "$TD" ]; then
    # replaced, not rewritten: an earlier start (as root or the other user) owns the old files
    mkdir -p /etc/kaitu/certs; rm -f "/etc/kaitu/certs/$TD-cert.pem" "/etc/kaitu/certs/$TD-key.pem"
    printf '%s' "$CERT" > "/etc/kaitu/certs/$TD-cert.pem"; (umask 077; printf '%s' "$KEY" > "/etc/kaitu/certs/$TD-key.pem")
    # §1.4: server-cert.pem / server-key.pem are symlinks to the domain's files
    ln -sfn "$TD-cert.pem" /etc/kaitu/certs/server-cert.pem; ln -sfn "$TD-key.pem" /etc/kaitu/certs/server-key.pem
  fi
  printf '%s %s %s %s %s "%s"\n' "$st" "$CODE" "$TC" "$NC" $(( $(nowms) - t0 )) "${MSG//\"/}"
}
sidecar_graceful_stop() { # SIGTERM: the sidecar unregisters (hard delete at Center), only if it was registered
  [ "$(jq -r '.registered // false' "$STATE")" = true ] || return 0
  center_call DELETE k2-sidecar > /dev/null
  slog INFO "Unregistering node" "component=node ipv4=$IP"
  slog INFO "Node unregistered successfully" "component=node ipv4=$IP"
  slog INFO "Shutting down..." "component=sidecar"
  jq_state '.registered = false'
}

# ---- usage reporter (§5) ----------------------------------------------------
# One cycle: POST /slave/usage with Basic ipv4:secret (curl reads the credentials
# as config on stdin: the secret is never in an argument list), then the DIAG
# line the real reporter writes. The next cycle is due after Center's
# next_report_interval (< 10 s or absent → 60 s), 30 s after a failure, both
# divided by TIME_SCALE. Prints nothing; updates state.json.
report_cycle() { # report_cycle AT_MS
  local at=$1 bill end limit limitb used center secret body resp code auth next err
  bill=${C_BILL[k2-sidecar]:-}; end=$(cycle_end "$bill"); limit=${C_LIMIT[k2-sidecar]:-0}; limitb=$((limit * 1073741824))
  used=$(used_at "$at")
  center=${C_ENV[k2-sidecar|K2_CENTER_URL]:-https://k2.52j.me}; secret=${C_ENV[k2-sidecar|K2_NODE_SECRET]:-}
  body=$(printf '{"epoch_id":%s,"cumulative_bytes":%s,"quota_total_bytes":%s,"seq":%s,"ts":%s}' "$end" "$used" "$limitb" "${SEQ:-0}" $((at / 1000)))
  resp=$(printf 'user = "%s:%s"\n' "$IP" "$secret" | curl -sS -m $(( (CENTER_TIMEOUT_MS + 999) / 1000 )) -K - -H 'Content-Type: application/json' --data-binary "$body" -w '\n%{http_code}' "${center%/}/slave/usage" 2>&1)
  code=${resp##*$'\n'}; resp=${resp%$'\n'*}
  err=""
  if [ "$code" = 000 ] || ! [[ $code =~ ^[0-9]+$ ]]; then err="POST center: ${resp//\"/}"
  elif [ "$code" -ge 300 ]; then err="center HTTP $code"
  elif ! [[ $resp =~ \"code\":0[,}] ]]; then err="center usage failed: ${resp//\"/}"
  fi
  if [ -n "$err" ]; then
    slog_at "$at" WARN "DIAG: usage-reporter-cycle-fail" "component=usage used=$used limit=$limitb err=\"${err:0:200}\""
    # retry after 30 s (scaled): the next cycle is due at now + 30 s / TIME_SCALE
    local every=${REPORT_MS:-0}; [ "$every" -gt 0 ] || every=$REPORT_EVERY_MS
    jq_state --argjson r $(( $(nowms) + 30000 / TIME_SCALE - every )) '.reported = $r'
    return 1
  fi
  next=60; [[ $resp =~ \"next_report_interval\":([0-9]+) ]] && next=${BASH_REMATCH[1]}; [ "$next" -lt 10 ] && next=60
  slog_at "$at" INFO "DIAG: usage-reporter-cycle-ok" "component=usage epoch=$end cumulative=$used quotaTotal=$limitb"
  if [[ $resp =~ \"authoritative_used_bytes\":([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt "$used" ]; then
    auth=${BASH_REMATCH[1]}
    slog_at "$at" WARN "DIAG: usage-reporter-adopted-authoritative" "component=usage authoritative=$auth selfReported=$used"
    jq_state --argjson u "$auth" --argjson at "$at" '.usedBase = $u | .meterStart = $at'
  fi
  jq_state --argjson r "$at" --argjson ms $((next * 1000 / TIME_SCALE)) '.reported = $r | .reportEveryMs = $ms | .seq = ((.seq // 0) + 1)'
}

# ---- sidecar start-up (§2.3 / §3.4) ----------------------------------------
sidecar_boot() { # the sidecar process starts inside its (existing) container; returns 1 on a start-up failure
  local now; now=$(nowms)
  local ver bill limit mode secret center region name iptype
  ver=$(cenv k2-sidecar K2_VERSION); bill=$(cenv k2-sidecar K2_NODE_BILLING_START_DATE); limit=$(cenv k2-sidecar K2_NODE_TRAFFIC_LIMIT_GB); limit=${limit:-0}
  mode=$(cenv k2-sidecar K2_NODE_TRAFFIC_BILLING_MODE); secret=$(cenv k2-sidecar K2_NODE_SECRET); center=$(cenv k2-sidecar K2_CENTER_URL); center=${center:-https://k2.52j.me}
  region=$(cenv k2-sidecar K2_NODE_REGION); name=$(cenv k2-sidecar K2_NODE_NAME); iptype=$(cenv k2-sidecar K2_IP_TYPE); iptype=${iptype:-unknown}
  rm -f /etc/kaitu/.ready
  out1 "[entrypoint] Generated config: /tmp/sidecar-config.yaml"
  slog INFO "Starting k2-sidecar v5.0 (unified config, batch registration)" "component=sidecar"
  slog INFO "Loading config file" "component=config path=/tmp/sidecar-config.yaml"
  slog INFO "Read hop_port_start from env" "component=config port=40000"
  slog INFO "Read hop_port_end from env" "component=config port=40019"
  slog INFO "Read ip_type from env" "component=config ip_type=$iptype"
  slog INFO "Detecting missing network info..." "component=config"
  if [ "$NET_BROKEN" = 1 ]; then
    slog ERROR "Failed to get IPv4 address (K2 mode requires IPv4)" "component=config err=\"all ipv4 services failed: Get \\\"https://api.ipify.org\\\": dial tcp4: lookup api.ipify.org: i/o timeout\""
    cupd k2-sidecar '.state = "running" | .health = "starting" | .started = $t0 | .healthyAt = 0 | .loop = "net" | .exitCode = 1' --argjson t0 "$now"
    jq_state --argjson now "$now" '.loopLogged = 1 | .registered = false'
    return 1
  fi
  slog INFO "Auto-detected IPv4" "component=config ipv4=$IP"
  [ -n "$region" ] && slog INFO "Using configured region" "component=config region=$region"
  slog INFO "Auto-generated tunnel domain" "component=config domain=$DOMAIN"
  slog INFO "Config loaded" "component=config ipv4=$IP country=$COUNTRY region=$region tunnelPort=443 k2Enabled=true tunnelDomain=$DOMAIN"
  slog INFO "Detected IP" "component=node ipv4=$IP country=$COUNTRY region=${region%%.*}"
  if [ -z "$secret" ]; then
    slog ERROR "Failed to initialize" "component=sidecar err=\"failed to create node: secret is required\""
    cupd k2-sidecar '.state = "running" | .health = "starting" | .started = $t0 | .healthyAt = 0 | .loop = "secret" | .exitCode = 1' --argjson t0 "$now"
    jq_state '.loopLogged = 1 | .registered = false'
    return 1
  fi
  slog INFO "Center URL" "component=sidecar url=$center"
  slog INFO "Config Dir" "component=sidecar dir=/etc/kaitu"
  slog INFO "K2 tunnel configured" "component=sidecar domain=$DOMAIN port=443 protocol=k2v5 hopPortStart=40000 hopPortEnd=40019 suffix=\"\""
  slog INFO "Tunnels to register" "component=sidecar count=1"
  slog INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$IP country=$COUNTRY"
  local r st code created ncreated ms msg
  r=$(center_call PUT k2-sidecar); read -r st code created ncreated ms msg <<< "$r"
  if [ "$st" = 000 ]; then
    slog ERROR "Center request failed" "component=node method=PUT path=/slave/nodes/$IP elapsed=${ms}ms err=\"Put \\\"$center/slave/nodes/$IP\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\""
    slog ERROR "Failed to start" "component=sidecar err=\"failed to register node: Put \\\"$center/slave/nodes/$IP\\\": context deadline exceeded\""
    cupd k2-sidecar '.state = "running" | .health = "starting" | .started = $t0 | .healthyAt = 0 | .loop = "center" | .exitCode = 1' --argjson t0 "$now"
    jq_state '.loopLogged = 1 | .registered = false'
    return 1
  fi
  if [ "$st" -ge 300 ] || [ "$code" != 0 ]; then
    [ "$st" -ge 300 ] && slog ERROR "Center request failed" "component=node method=PUT path=/slave/nodes/$IP status=$st elapsed=${ms}ms" \
      || slog INFO "Center request ok" "component=node method=PUT path=/slave/nodes/$IP status=$st elapsed=${ms}ms"
    slog ERROR "Failed to start" "component=sidecar err=\"failed to register node: registration failed: code=$code, message=${msg//\"/}\""
    cupd k2-sidecar '.state = "restarting" | .health = "starting" | .started = $t0 | .healthyAt = 0 | .loop = "secret" | .exitCode = 1' --argjson t0 "$now"
    jq_state '.loopLogged = 1 | .registered = false'
    return 1
  fi
  slog INFO "Center request ok" "component=node method=PUT path=/slave/nodes/$IP status=200 elapsed=${ms}ms"
  slog INFO "Tunnel registered" "component=node domain=$DOMAIN protocol=k2v5 created=$created"
  slog INFO "Registration completed" "component=node ipv4=$IP nodeCreated=$ncreated tunnels=1"
  slog INFO "Node registered" "component=sidecar ipv4=$IP tunnels=1"
  slog INFO "Saved certificate" "component=certificate path=/etc/kaitu/certs/$DOMAIN-cert.pem"
  slog INFO "Saved private key" "component=certificate path=/etc/kaitu/certs/$DOMAIN-key.pem"
  slog INFO "Saved K2 certificate" "component=sidecar dir=/etc/kaitu/certs file=$DOMAIN-cert.pem"
  slog INFO "Linked K2 certificate to server-cert.pem" "component=sidecar"
  printf 'listen: ":443"\ncert_dir: "/etc/kaitu/certs"\nauth:\n  users_file: "/etc/k2v5/users"\n  remote_url: "%s/slave/device-check-auth"\n' "$center" > /etc/kaitu/k2v5-config.yaml
  slog INFO "Generated config file" "component=sidecar path=/etc/kaitu/k2v5-config.yaml"
  : > /etc/kaitu/.ready
  slog INFO "Created ready flag" "component=sidecar file=/etc/kaitu/.ready"
  local health=starting hat=$((now + HEALTH_DELAY_MS))
  fault unhealthy && { health=unhealthy; hat=0; }
  if [ -n "$bill" ]; then
    [ -n "$(jq -r '.usedPending // empty' "$STATE")" ] && jq_state --argjson now "$now" '.usedBase = .usedPending | .meterStart = $now | del(.usedPending)'
    [ "$(jq -r '.meterStart // 0' "$STATE")" = 0 ] && jq_state --argjson now "$now" '.meterStart = $now'
    load
    local used end; used=$(used_at "$now"); end=$(cycle_end "$bill")
    slog INFO "Detected primary interface" "component=traffic interface=ens5 totalBytes=99533351914"
    slog INFO "Traffic cycle baseline restored from state" "component=traffic cycleStartRx=40113307721 cycleStartTx=42020044193 priorUsedBytes=$USED_BASE"
    slog INFO "Traffic monitor initialized" "component=traffic interface=ens5 billingDate=$bill limitGB=$limit billingMode=${mode:-max} rx=48213307721 tx=51320044193"
    printf '{"billing_cycle_end_at":%s,"cycle_start_rx":40113307721,"cycle_start_tx":42020044193,"prior_used_bytes":%s,"last_used_bytes":%s}' "$end" "$USED_BASE" "$used" > /etc/kaitu/traffic.state
    slog INFO "Traffic monitoring enabled" "component=collector"
    slog INFO "Starting metrics collection loop" "component=metrics"
    slog INFO "Traffic cutoff enforcer started (all-node)" "component=sidecar"
    slog INFO "DIAG: cutoff-enforcer-start" "component=cutoff interval=5s containers=[k2s]"
    slog INFO "Usage reporter started (all-node)" "component=sidecar ipv4=$IP"
    slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
    slog INFO "DIAG: usage-reporter-start" "component=usage center=$center ipv4=$IP"
    jq_state '.seq = 0'
    load
    report_cycle "$(nowms)" || true
  else
    slog INFO "Detected primary interface" "component=traffic interface=ens5 totalBytes=99533351914"
    slog WARN "Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped" "component=sidecar"
    slog INFO "Starting metrics collection loop" "component=metrics"
    slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
    rm -f /etc/kaitu/cutoff.state
  fi
  slog INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$IP country=$COUNTRY"
  r=$(center_call PUT k2-sidecar); read -r st code created ncreated ms msg <<< "$r"
  slog INFO "Center request ok" "component=node method=PUT path=/slave/nodes/$IP status=$st elapsed=${ms}ms"
  slog INFO "Tunnel registered" "component=node domain=$DOMAIN protocol=k2v5 created=$created"
  slog INFO "Registration completed" "component=node ipv4=$IP nodeCreated=$ncreated tunnels=1"
  slog INFO "Updated k2v5 serverURL" "component=sidecar url=k2v5://$DOMAIN:443?ech=AEX…&pin=sha256:Q2f…&hop=40000-40019&ip=$IP"
  # StartedAt is the process start, before its first log line (docker logs --since StartedAt shows the whole run)
  cupd k2-sidecar '.state = "running" | .health = $h | .started = $t0 | .healthyAt = $hat | .loop = null | .exitCode = 0' --arg h "$health" --argjson hat "$hat" --argjson t0 "$now"
  jq_state '.registered = true | .loopLogged = 0'
  return 0
}

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

# ---- time passes: health checks, periodic reporter lines, restart loops, cutoff enforcer ----
tick() {
  load
  local now; now=$(nowms)
  # health check passes once the ready flag has been there long enough
  if has k2-sidecar && [ "${C_HEALTH[k2-sidecar]}" = starting ] && [ -z "${C_LOOP[k2-sidecar]}" ] && [ "${C_HAT[k2-sidecar]}" -gt 0 ] && [ "$now" -ge "${C_HAT[k2-sidecar]}" ]; then
    cupd k2-sidecar '.health = "healthy" | .healthyAt = 0'; C_HEALTH[k2-sidecar]=healthy
  fi
  # restart loop: a failing run's lines again every cycle (bounded catch-up)
  local loop=${C_LOOP[k2-sidecar]:-}
  if [ -n "$loop" ]; then
    local period; period=$(loop_period "$loop")
    local cycles=$(( (now - C_STARTED[k2-sidecar]) / period + 1 )) i start
    if [ "$cycles" -gt "$LOOP_LOGGED" ]; then
      i=$LOOP_LOGGED; [ $((cycles - i)) -gt 5 ] && i=$((cycles - 5))
      for ((; i < cycles; i++)); do start=$((C_STARTED[k2-sidecar] + i * period)); loop_lines "$loop" "$start"; done
      jq_state --argjson c "$cycles" '.loopLogged = $c'
    fi
  fi
  # the usage reporter (metering on, sidecar registered and running)
  local bill=${C_BILL[k2-sidecar]:-}
  if [ -n "$bill" ] && [ -z "$loop" ] && [ "${C_STATE[k2-sidecar]:-}" = running ] && [ "$METER_START" -gt 0 ] && [ "$REPORTED" -gt 0 ]; then
    local every=$REPORT_MS; [ "$every" -gt 0 ] || every=$REPORT_EVERY_MS
    if [ $((now - REPORTED)) -ge "$every" ]; then
      # cycles nobody looked at happened too: their lines, then one POST with the latest count
      local end limit=${C_LIMIT[k2-sidecar]:-0} t n=$(( (now - REPORTED) / every )); end=$(cycle_end "$bill")
      t=$((REPORTED + every)); [ "$n" -gt 30 ] && t=$((REPORTED + (n - 30) * every))
      for ((; t < REPORTED + n * every; t += every)); do
        slog_at "$t" INFO "DIAG: usage-reporter-cycle-ok" "component=usage epoch=$end cumulative=$(used_at "$t") quotaTotal=$((limit * 1073741824))"
      done
      report_cycle $((REPORTED + n * every)) || true
      load
    fi
    # cutoff enforcer (§4.5): drive k2s toward the desired state
    local limitb=$(( ${C_LIMIT[k2-sidecar]:-0} * 1073741824 )) used; used=$(used_at "$now")
    local tn; tn=$(tunnel_name)
    if has "$tn" && [ "$limitb" -gt 0 ] && [ "$used" -ge $((limitb - 524288000)) ]; then
      if [ "${C_STATE[$tn]}" = running ]; then
        cupd "$tn" '.state = "paused"'; C_STATE[$tn]=paused
        slog WARN "DIAG: cutoff-paused" "component=cutoff container=$tn usedBytes=$used"
        printf '{"epoch_id":0,"cut":true}' > /etc/kaitu/cutoff.state
      fi
    elif has "$tn" && [ "${C_STATE[$tn]}" = paused ]; then
      cupd "$tn" '.state = "running"'; C_STATE[$tn]=running
      slog INFO "DIAG: cutoff-unpaused" "component=cutoff container=$tn usedBytes=$used"
      printf '{"epoch_id":0,"cut":false}' > /etc/kaitu/cutoff.state
    fi
  fi
}
loop_period() { case "$1" in net) echo 32000 ;; center) echo 12000 ;; *) echo 10000 ;; esac; }
loop_lines() { # one failing run of the sidecar, starting at MS
  local t=$2
  printf '1 %s\n' "[entrypoint] Generated config: /tmp/sidecar-config.yaml" >> "$SLOG"
  slog_at "$t" INFO "Starting k2-sidecar v5.0 (unified config, batch registration)" "component=sidecar"
  slog_at "$t" INFO "Detecting missing network info..." "component=config"
  case "$1" in
    net) slog_at $((t + 30000)) ERROR "Failed to get IPv4 address (K2 mode requires IPv4)" "component=config err=\"all ipv4 services failed: Get \\\"https://api.ipify.org\\\": dial tcp4: lookup api.ipify.org: i/o timeout\"" ;;
    secret) slog_at $((t + 900)) INFO "Auto-detected IPv4" "component=config ipv4=$IP"
            slog_at $((t + 950)) ERROR "Failed to initialize" "component=sidecar err=\"failed to create node: secret is required\"" ;;
    center) slog_at $((t + 900)) INFO "Auto-detected IPv4" "component=config ipv4=$IP"
            slog_at $((t + 900)) INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$IP country=$COUNTRY"
            slog_at $((t + 10900)) ERROR "Center request failed" "component=node method=PUT path=/slave/nodes/$IP elapsed=10.001s err=\"context deadline exceeded (Client.Timeout exceeded while awaiting headers)\""
            slog_at $((t + 10900)) ERROR "Failed to start" "component=sidecar err=\"failed to register node: context deadline exceeded\"" ;;
  esac
}

setvar() { # setvar KEY VALUE — change a host fact in node.env (in place: the dir may not be writable)
  local body; body=$(grep -v "^$1=" "$K2SIM/node.env"); printf '%s\n%s=%q\n' "$body" "$1" "$2" > "$K2SIM/node.env"
}
