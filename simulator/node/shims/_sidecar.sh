# shellcheck shell=bash
# The simulated k2-sidecar process (docker/sidecar/main.go, config/config.go, sidecar/{node,ip,
# collector,connect_url}.go, entrypoint.sh): start-up, registration at Center, restart loops,
# the connect-url poller's re-registration, the metrics collector's status reports and the
# SIGTERM shutdown. Sourced by _lib.sh; the meter (traffic monitor, usage reporter,
# enforcer) is _meter.sh.
#
# The process lives in time: a line is in `docker logs` once its time has come, never
# before. Shims run only when someone looks, so sidecar_tick writes what became due
# since the last look (bounded catch-up). The process's own state is $K2SIM/sidecar.run
# (bash assignments: sourced, written with printf — no fork when nothing is due).
# /etc/k2v5 is the volume <project>_k2v5-data, shared with k2s (which writes connect-url.txt).

SC_FILE="$K2SIM/sidecar.run"
SC_NEVER=99999999999999
SC_VARS="SC_IP SC_REG_IP SC_UP SC_RUN SC_NEXT SC_FAIL SC_FAIL_ST SC_FAIL_MSG SC_FAIL_NS SC_LOOP_DONE SC_POLL SC_POLL_START SC_WAITS SC_LONG SC_K2S_RUN SC_ST_EVERY SC_ST_NEXT SC_ST_N SC_NET_IN SC_NET_OUT"

sc_reset() { # a new process: nothing scheduled, no address of its own yet
  SC_IP="" SC_REG_IP="" SC_UP=0 SC_RUN=0 SC_NEXT=$SC_NEVER SC_FAIL="" SC_FAIL_ST=0 SC_FAIL_MSG="" SC_FAIL_NS=0 SC_LOOP_DONE=0
  SC_POLL=0 SC_POLL_START=0 SC_WAITS=0 SC_LONG=0 SC_ST_EVERY=0 SC_ST_NEXT=0 SC_ST_N=0 SC_NET_IN=0 SC_NET_OUT=0
  sc_ident
}
# The process's own IPv4 (config.GetConfig's auto-detection at its start, kept in memory: the
# registration path, Basic auth, the sslip domain) → PIP, PDOMAIN. The machine's address (node.env
# IP) may change under a running process (a Lightsail static IP swap); only its next start sees it.
sc_ident() { PIP=${SC_IP:-$IP}; PDOMAIN="${PIP//./-}.sslip.io"; }
sc_load() { sc_reset; SC_K2S_RUN=""; [ -f "$SC_FILE" ] && . "$SC_FILE"; sc_ident; }
sc_save() {
  local v out=""
  for v in $SC_VARS; do printf -v out '%s%s=%q\n' "$out" "$v" "${!v}"; done
  # renamed into place (replace_file, _lib.sh): a call killed half-way must not leave the running sidecar's memory empty
  replace_file "$SC_FILE" '%s' "$out" || :
}

# ---- Go's formats --------------------------------------------------------------
sc_now() { local t=${EPOCHREALTIME//[!0-9]/}; REPLY=$(( ${t:0:13} + CLOCK_OFFSET_MS )); }
sc_log() { # sc_log MS LEVEL MSG [ATTRS] — one slog TextHandler line on stderr (time in UTC, milliseconds)
  local ts
  TZ=UTC printf -v ts '%(%Y-%m-%dT%H:%M:%S)T' $(( $1 / 1000 ))
  printf '2 time=%s.%03dZ level=%s msg="%s"%s\n' "$ts" $(( $1 % 1000 )) "$2" "$3" "${4:+ $4}" >> "$SLOG"
}
SC_VAL_RE='[[:space:]"=[:cntrl:]]'
sc_val() { # VALUE → REPLY: as slog's TextHandler prints it (Go-quoted when empty, or with a space, '=', '"' or a control character)
  if [ -n "$1" ] && ! [[ $1 =~ $SC_VAL_RE ]]; then REPLY=$1; return; fi
  local v=${1//\\/\\\\}; v=${v//\"/\\\"}; v=${v//$'\n'/\\n}; v=${v//$'\t'/\\t}; v=${v//$'\r'/\\r}
  REPLY="\"$v\""
}
sc_dur() { # NANOSECONDS → REPLY: time.Duration.String() ("183.402117ms", "10.000581302s", "912.3µs")
  local ns=$1 u w unit f
  if [ "$ns" -lt 1000 ]; then REPLY="${ns}ns"; return; fi
  if [ "$ns" -ge 1000000000 ]; then
    local s=$((ns / 1000000000)) h m out=""
    h=$((s / 3600)); m=$((s % 3600 / 60)); s=$((s % 60))
    [ "$h" -gt 0 ] && out="${h}h"
    { [ "$h" -gt 0 ] || [ "$m" -gt 0 ]; } && out+="${m}m"
    printf -v f '%09d' $((ns % 1000000000)); while [[ $f == *0 ]]; do f=${f%0}; done
    REPLY="$out$s${f:+.$f}s"; return
  fi
  if [ "$ns" -lt 1000000 ]; then u=1000 w=3 unit=µs; else u=1000000 w=6 unit=ms; fi
  printf -v f "%0${w}d" $((ns % u)); while [[ $f == *0 ]]; do f=${f%0}; done
  REPLY="$((ns / u))${f:+.$f}$unit"
}
sc_float() { # NUM DEN [json] → REPLY: the float64 NUM/DEN as slog prints it (strconv 'g', shortest) or encoding/json does
  local n=$1 d=$2 mode=${3:-g} neg="" q r S="" E keep last i z=""
  [ "$n" -lt 0 ] && { neg=-; n=$((-n)); }
  [ "$n" -eq 0 ] && { REPLY=0; return; }
  q=$((n / d)) r=$((n % d))
  if [ "$q" -gt 0 ]; then S=$q; E=$(( ${#q} - 1 ))
  else E=-1; while :; do r=$((r * 10)); q=$((r / d)); r=$((r % d)); [ "$q" -gt 0 ] && { S=$q; break; }; E=$((E - 1)); done; fi
  while [ ${#S} -lt 17 ]; do r=$((r * 10)); S+=$((r / d)); r=$((r % d)); done
  keep=${S:0:16} last=${S:16:1}   # 16 significant digits (a float64's shortest form has 15–17)
  if [ "$last" -ge 5 ]; then keep=$((10#$keep + 1)); [ ${#keep} -gt 16 ] && { keep=${keep:0:16}; E=$((E + 1)); }; fi
  while [ ${#keep} -gt 1 ] && [[ $keep == *0 ]]; do keep=${keep%0}; done
  local nd=${#keep} efmt=0
  if [ "$mode" = json ]; then [ "$E" -lt -6 ] && efmt=1; elif [ "$E" -lt -4 ] || [ "$E" -ge 6 ]; then efmt=1; fi
  if [ "$efmt" = 1 ]; then
    local mant=${keep:0:1} sign=+ ae=${E#-}; [ "$nd" -gt 1 ] && mant+=".${keep:1}"; [ "$E" -lt 0 ] && sign=-
    if [ "$mode" = json ]; then REPLY="$neg${mant}e$sign$ae"; else printf -v REPLY '%s%se%s%02d' "$neg" "$mant" "$sign" "$ae"; fi
  elif [ "$E" -ge 0 ]; then
    if [ "$nd" -le $((E + 1)) ]; then for ((i = nd; i <= E; i++)); do z+=0; done; REPLY="$neg$keep$z"
    else REPLY="$neg${keep:0:E+1}.${keep:E+1}"; fi
  else
    for ((i = 1; i < -E; i++)); do z+=0; done; REPLY="${neg}0.$z$keep"
  fi
}
sc_parse_dur() { # a Go duration string ("120s", "2m", "1m30s", "1.5m", "500ms") → REPLY ms; status 1 if time.ParseDuration rejects it
  local s=$1 total=0 num unit ip fp mult
  [ -n "$s" ] || return 1
  [ "$s" = 0 ] && { REPLY=0; return 0; }
  while [ -n "$s" ]; do
    [[ $s =~ ^([0-9]*)(\.([0-9]*))?(ns|us|µs|ms|s|m|h)(.*)$ ]] || return 1
    ip=${BASH_REMATCH[1]} fp=${BASH_REMATCH[3]} unit=${BASH_REMATCH[4]} s=${BASH_REMATCH[5]}
    [ -n "$ip$fp" ] || return 1
    case $unit in ns) mult=0 ;; us|µs) mult=0 ;; ms) mult=1 ;; s) mult=1000 ;; m) mult=60000 ;; h) mult=3600000 ;; esac
    fp=${fp:0:9}; num=$(( 10#${ip:-0} * mult )); [ -n "$fp" ] && num=$(( num + 10#$fp * mult / 10**${#fp} ))
    total=$((total + num))
  done
  REPLY=$total
}
sc_rand() { # SEED LEN → REPLY: LEN base64url characters, the same for the same SEED
  local s=$1 n=$2 a=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ out=""
  for ((; n > 0; n--)); do s=$(( (s * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff )); out+=${a:$(( (s >> 33) % 64 )):1}; done
  REPLY=$out
}
IFS=. read -r _o1 _o2 _o3 _o4 <<< "$IP"; SC_SEED=$(( ((_o1 * 256 + _o2) * 256 + _o3) * 256 + _o4 )); unset _o1 _o2 _o3 _o4

# ---- the process's configuration (entrypoint.sh → /tmp/sidecar-config.yaml → config.go) ----
sc_yaml_true() { case "$1" in y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON) return 0 ;; *) return 1 ;; esac; }
sc_env_int() { # parseIntSafe: fmt.Sscanf("%d") of the value (leading blanks, a sign, digits), 0 when none
  if [[ $1 =~ ^[[:space:]]*([+-]?)([0-9]{1,18}) ]]; then REPLY=$((10#${BASH_REMATCH[2]})); [ "${BASH_REMATCH[1]}" = - ] && REPLY=$((-REPLY)); else REPLY=0; fi
}
sc_config() { # CF_* from the container's env (Compose's defaults where .env has none); the caller loaded the state
  local e="k2-sidecar|" v b
  CF_CENTER=${C_ENV[${e}K2_CENTER_URL]:-https://k2.52j.me}
  CF_SECRET=${C_ENV[${e}K2_NODE_SECRET]:-}
  CF_CLAIM=${C_ENV[${e}K2_PRIVATE_CLAIM]:-}
  CF_NAME=${C_ENV[${e}K2_NODE_NAME]:-}; CF_NAME=${CF_NAME:-${PIP:-$IP}}
  CF_REGION_SET=${C_ENV[${e}K2_NODE_REGION]:-}
  CF_GEO=${REGION%%.*}; CF_GEO=${CF_GEO,,}; CF_GEO=${CF_GEO// /-}   # slugify(CountryCode-City) of the geo lookup
  CF_REGION=${CF_REGION_SET:-$CF_GEO}
  CF_IPTYPE=${C_ENV[${e}K2_IP_TYPE]:-unknown}
  sc_env_int "${C_ENV[${e}K2_JUMP_PORT_MIN]:-40000}"; CF_HOP_MIN=$REPLY
  sc_env_int "${C_ENV[${e}K2_JUMP_PORT_MAX]:-40019}"; CF_HOP_MAX=$REPLY
  [ "$CF_HOP_MIN" -gt 0 ] || CF_HOP_MIN=0; [ "$CF_HOP_MAX" -gt 0 ] || CF_HOP_MAX=0
  CF_TEST=false; sc_yaml_true "${C_ENV[${e}K2_TEST_NODE]:-false}" && CF_TEST=true
  CF_RELAY=false; sc_yaml_true "${C_ENV[${e}K2_HAS_RELAY]:-false}" && CF_RELAY=true
  CF_ARCH=${C_ENV[${e}K2_NODE_ARCH]:-k2v5}
  CF_BRANDS=()
  IFS=, read -r -a b <<< "${C_ENV[${e}K2_NODE_BRANDS]:-}"
  for v in "${b[@]}"; do v=${v,,}; v=${v#"${v%%[![:space:]]*}"}; v=${v%"${v##*[![:space:]]}"}; [ -n "$v" ] && CF_BRANDS+=("$v"); done
  CF_REPORT=${C_ENV[${e}REPORT_INTERVAL]:-120s}
  CF_LOGLEVEL=${C_ENV[${e}K2_LOG_LEVEL]:-info}
  CF_ENFORCE=false; v=${C_ENV[${e}K2_ENFORCE_AUTH]:-0}; { [ "$v" = 1 ] || [ "$v" = true ]; } && CF_ENFORCE=true
  CF_BILL=${C_ENV[${e}K2_NODE_BILLING_START_DATE]:-}
  CF_LIMIT=${C_ENV[${e}K2_NODE_TRAFFIC_LIMIT_GB]:-0}
  CF_MODE=${C_ENV[${e}K2_NODE_TRAFFIC_BILLING_MODE]:-}
  # the sidecar sits on Compose's IPv4-only bridge: its IPv6 probe fails silently, unless the
  # node says its containers have IPv6 (node fact CONTAINER_IPV6=<address>)
  CF_IPV6=${CONTAINER_IPV6:-}
  CF_PROJ=${C_PROJ[k2-sidecar]:-k2s}; sc_k2v5_dir "$CF_PROJ"; CF_K2V5=$REPLY
}
sc_k2v5_dir() { # PROJECT → REPLY: the data dir of the volume <project>_k2v5-data (/etc/k2v5 in both containers)
  if [ -n "${DOCKER_ROOT:-}" ]; then REPLY="$DOCKER_ROOT/volumes/${1}_k2v5-data/_data"; else REPLY="$K2SIM/k2v5-data/$1"; fi
}

# ---- Center (sidecar/node.go requestWithAuth) ------------------------------------
sc_req() { # sc_req METHOD PATH [BODY] → CR_ST (HTTP status; 000 = transport error), CR_BODY, CR_NS (elapsed ns), CR_ERR (the *url.Error text)
  # Basic ipv4:secret and the body reach curl as a config on stdin, never in its argument list
  local m=$1 p=$2 body=${3-} cfg url t0 t1 resp rc host hp
  url="$CF_CENTER$p"
  printf -v cfg 'user = "%s:%s"\n' "${PIP:-$IP}" "$CF_SECRET"
  if [ -n "$body" ]; then body=${body//\\/\\\\}; cfg+="data-binary = \"${body//\"/\\\"}\""$'\n'; fi
  t0=${EPOCHREALTIME/./}
  resp=$(curl -sS -m $(( (CENTER_TIMEOUT_MS + 999) / 1000 )) -K - -X "$m" -H 'Content-Type: application/json' -w '\n%{http_code}' "$url" 2>/dev/null <<< "$cfg"); rc=$?
  t1=${EPOCHREALTIME/./}
  CR_NS=$(( (t1 - t0) * 1000 + RANDOM % 1000 ))
  CR_ST=${resp##*$'\n'}; CR_BODY=${resp%$'\n'*}; CR_ERR=""
  [[ $CR_ST =~ ^[0-9]{3}$ ]] && [ "$CR_ST" != 000 ] && return 0
  CR_ST=000 CR_BODY=""
  host=${url#*://}; host=${host%%/*}; hp=$host
  [[ $host == *:* ]] || { [[ $url == https:* ]] && hp=$host:443 || hp=$host:80; }
  CR_ERR=${m,,}; CR_ERR=${m:0:1}${CR_ERR:1}
  case $rc in # url.Error: Op ("Put", "Post", "Delete") "URL": the transport's error
    28) CR_ERR+=" \"$url\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)" ;;
    7) CR_ERR+=" \"$url\": dial tcp $hp: connect: connection refused" ;;
    6) CR_ERR+=" \"$url\": dial tcp: lookup ${host%:*}: no such host" ;;
    *) CR_ERR+=" \"$url\": EOF" ;;
  esac
}
sc_req_lines() { # sc_req_lines MS METHOD PATH ST NS ERR BODY — requestWithAuth's own line; status 1 when it failed
  local d; sc_dur "$5"; d=$REPLY
  if [ "$4" = 000 ]; then sc_val "$6"; sc_log "$1" ERROR "Center request failed" "component=node method=$2 path=$3 elapsed=$d err=$REPLY"; return 1; fi
  if [ "$4" -ge 300 ]; then sc_val "$7"; sc_log "$1" ERROR "Center request failed" "component=node method=$2 path=$3 status=$4 elapsed=$d body=$REPLY"; return 1; fi
  sc_log "$1" INFO "Center request ok" "component=node method=$2 path=$3 status=$4 elapsed=$d"
}
sc_req_err() { # the error requestWithAuth returns (after a failed sc_req_lines) → REPLY
  if [ "$CR_ST" = 000 ]; then REPLY=$CR_ERR; else REPLY="HTTP $CR_ST: $CR_BODY"; fi
}

sc_server_url() { # BuildServerURL(connect-url.txt, domain, 443, ipv4, ipv6) → REPLY ("" when the file is missing or has neither ech nor pin)
  REPLY=""
  [ -s "$CF_K2V5/connect-url.txt" ] || return 0
  local u ech="" pin="" hop="" q
  IFS= read -r u < "$CF_K2V5/connect-url.txt"
  [[ $u == *\?* ]] || return 0
  q="&${u#*\?}"; q=${q%%#*}
  [[ $q =~ \&ech=([^&]*) ]] && ech=${BASH_REMATCH[1]}
  [[ $q =~ \&pin=([^&]*) ]] && pin=${BASH_REMATCH[1]}
  [[ $q =~ \&hop=([^&]*) ]] && hop=${BASH_REMATCH[1]}
  [ -n "$ech$pin" ] || return 0
  REPLY="k2v5://$PDOMAIN:443?"
  [ -n "$ech" ] && REPLY+="ech=$ech&"
  [ -n "$pin" ] && REPLY+="pin=$pin&"
  [ -n "$hop" ] && REPLY+="hop=$hop&"
  REPLY+="ip=$PIP"
  [ -n "$CF_IPV6" ] && REPLY+="&ip6=$CF_IPV6"
}
sc_body() { # SERVERURL → REPLY: NodeUpsertRequest as json.Marshal writes it (field order, omitempty)
  local b t s
  _dv_json "$COUNTRY"; b="{\"country\":$REPLY"
  _dv_json "$CF_REGION"; b+=",\"region\":$REPLY"
  _dv_json "$CF_NAME"; b+=",\"name\":$REPLY"
  _dv_json "$CF_IPTYPE"; b+=",\"ipType\":$REPLY"
  if [ ${#CF_BRANDS[@]} -gt 0 ]; then
    b+=',"brands":['; s=""; for t in "${CF_BRANDS[@]}"; do _dv_json "$t"; b+=$s$REPLY; s=,; done; b+=']'
  fi
  _dv_json "$CF_SECRET"; b+=",\"secretToken\":$REPLY"
  _dv_json "$PDOMAIN"; t="{\"domain\":$REPLY,\"protocol\":\"k2v5\",\"port\":443"
  [ "$CF_HOP_MIN" -gt 0 ] && t+=",\"hopPortStart\":$CF_HOP_MIN"
  [ "$CF_HOP_MAX" -gt 0 ] && t+=",\"hopPortEnd\":$CF_HOP_MAX"
  [ "$CF_TEST" = true ] && t+=',"isTest":true'
  [ "$CF_RELAY" = true ] && t+=',"hasRelay":true'
  t+=',"hasTunnel":true'
  [ -n "$1" ] && { _dv_json "$1"; t+=",\"serverUrl\":$REPLY"; }
  b+=",\"tunnels\":[$t}]"
  [ -n "$CF_ARCH" ] && { _dv_json "$CF_ARCH"; b+=",\"meta\":{\"arch\":$REPLY}"; }
  [ -n "$CF_CLAIM" ] && { _dv_json "$CF_CLAIM"; b+=",\"privateClaim\":$REPLY"; }
  REPLY="$b}"
}
sc_register() { # sc_register SERVERURL [AT] — Node.Register: PUT /slave/nodes/<ip> and its lines (at AT + the request's time,
  # or as it happens); status 1 = failed with REPLY = Register's error; SC_REG_* = the result
  local now path="/slave/nodes/$PIP" parsed CODE=x MSG="" DATA=false RIP="" NC=false CERT="" KEY="" TD=() TP=() TC=() i n
  sc_body "$1"; local body=$REPLY; REPLY="" # the body holds the secret: nothing but curl's config sees it
  sc_req PUT "$path" "$body"; body=""
  if [ -n "${2:-}" ]; then now=$(( $2 + CR_NS / 1000000 )); else sc_now; now=$REPLY; fi
  SC_REG_NOW=$now
  if ! sc_req_lines "$now" PUT "$path" "$CR_ST" "$CR_NS" "$CR_ERR" "$CR_BODY"; then sc_req_err; REPLY="failed to register node: $REPLY"; return 1; fi
  parsed=$(printf '%s' "$CR_BODY" | jq -r --arg d "$PDOMAIN" '@sh "CODE=\(.code // 0) MSG=\(.message // "") DATA=\(.data != null) RIP=\(.data.ipv4 // "") NC=\(.data.created == true)",
    @sh "TD=(\([(.data.tunnels // [])[] | .domain // ""])) TP=(\([(.data.tunnels // [])[] | .protocol // ""])) TC=(\([(.data.tunnels // [])[] | (.created == true)]))",
    @sh "CERT=\([(.data.tunnels // [])[] | select(.domain == $d)][0].sslCert // "") KEY=\([(.data.tunnels // [])[] | select(.domain == $d)][0].sslKey // "")"' 2>/dev/null) \
    || { REPLY="failed to parse response: invalid character looking for beginning of value"; return 1; }
  eval "$parsed"
  if [ "$CODE" != 0 ] || [ "$DATA" != true ]; then REPLY="registration failed: code=$CODE, message=$MSG"; return 1; fi
  n=${#TD[@]}
  for ((i = 0; i < n; i++)); do sc_log "$now" INFO "Tunnel registered" "component=node domain=${TD[i]} protocol=${TP[i]} created=${TC[i]}"; done
  sc_log "$now" INFO "Registration completed" "component=node ipv4=$RIP nodeCreated=$NC tunnels=$n"
  SC_REG_IP=$RIP SC_REG_N=$n SC_REG_CERT=$CERT SC_REG_KEY=$KEY
  return 0
}

# ---- one run of the process, line by line ------------------------------------------
# The sc_run* functions write the lines of a run whose time is in (W_FROM, W_TO] and note in
# W_NEXT the first one still to come: a failing run's lines appear as time passes.
sc_emit() { # MS LEVEL MSG [ATTRS]
  if [ "$1" -le "$W_FROM" ]; then return 0; fi
  if [ "$1" -gt "$W_TO" ]; then [ "$1" -lt "$W_NEXT" ] && W_NEXT=$1; return 0; fi
  sc_log "$@"
}
sc_emit_out() { # MS LINE — a plain stdout line (the entrypoint's)
  if [ "$1" -le "$W_FROM" ]; then return 0; fi
  if [ "$1" -gt "$W_TO" ]; then [ "$1" -lt "$W_NEXT" ] && W_NEXT=$1; return 0; fi
  printf '1 %s\n' "$2" >> "$SLOG"
}
sc_run_config() { # S T — main() up to the end of config.GetConfig; T = when the IPv4 lookup answered (0: it never does)
  local s=$1 t=$2
  sc_emit_out "$s" "[entrypoint] Generated config: /tmp/sidecar-config.yaml"
  sc_emit "$s" INFO "Starting k2-sidecar v5.0 (unified config, batch registration)" "component=sidecar"
  sc_emit "$s" INFO "Loading config file" "component=config path=/tmp/sidecar-config.yaml"
  [ "$CF_HOP_MIN" -gt 0 ] && sc_emit "$s" INFO "Read hop_port_start from env" "component=config port=$CF_HOP_MIN"
  [ "$CF_HOP_MAX" -gt 0 ] && sc_emit "$s" INFO "Read hop_port_end from env" "component=config port=$CF_HOP_MAX"
  sc_val "$CF_IPTYPE"; sc_emit "$s" INFO "Read ip_type from env" "component=config ip_type=$REPLY"
  sc_emit "$s" INFO "Detecting missing network info..." "component=config"
  if [ "$t" = 0 ]; then
    # three services, each a 10 s dial timeout on a dead network; the error is the last one's
    sc_emit $((s + 30000)) ERROR "Failed to get IPv4 address (K2 mode requires IPv4)" 'component=config err="all ipv4 services failed: Get \"https://ipwhois.app/json/\": dial tcp4: lookup ipwhois.app: i/o timeout"'
    return 0
  fi
  sc_emit "$t" INFO "Auto-detected IPv4" "component=config ipv4=$PIP"
  sc_val "$CF_REGION"
  if [ -n "$CF_REGION_SET" ]; then sc_emit "$t" INFO "Using configured region" "component=config region=$REPLY"
  else sc_emit "$t" INFO "Auto-generated region" "component=config region=$REPLY"; fi
  sc_emit "$t" INFO "Auto-generated tunnel domain" "component=config domain=$PDOMAIN"
  sc_emit "$t" INFO "Config loaded" "component=config ipv4=$PIP country=US region=$REPLY tunnelPort=443 k2Enabled=true tunnelDomain=$PDOMAIN"
}
sc_tunnel_lines() { # T — buildTunnelConfigs (reads /etc/k2v5/connect-url.txt if there; SC_URL = the server URL built from it)
  sc_server_url; SC_URL=$REPLY
  [ -n "$SC_URL" ] && { sc_val "$SC_URL"; sc_emit "$1" INFO "Built k2v5 server URL" "component=sidecar url=$REPLY"; }
  local sfx='""'; [ "$CF_TEST" = true ] && sfx='" (test node)"'
  sc_emit "$1" INFO "K2 tunnel configured" "component=sidecar domain=$PDOMAIN port=443 protocol=k2v5 hopPortStart=$CF_HOP_MIN hopPortEnd=$CF_HOP_MAX suffix=$sfx"
}
sc_run_node() { # T — NewNode's own geo lookup (Detected IP), then Start() up to the registration request
  local t=$1
  sc_emit "$t" INFO "Detected IP" "component=node ipv4=$PIP country=$COUNTRY region=$CF_GEO"
  [ -n "$CF_IPV6" ] && sc_emit "$t" INFO "Detected IPv6" "component=node ipv6=$CF_IPV6"
  sc_val "$CF_CENTER"; sc_emit "$t" INFO "Center URL" "component=sidecar url=$REPLY"
  sc_emit "$t" INFO "Config Dir" "component=sidecar dir=/etc/kaitu"
  sc_tunnel_lines "$t"
  sc_emit "$t" INFO "Tunnels to register" "component=sidecar count=1"
  sc_emit "$t" INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$PIP country=$COUNTRY"
}
sc_run() { # S — one failing run from S (SC_FAIL says how it fails)
  local s=$1 t d path="/slave/nodes/$PIP"
  if [ "$SC_FAIL" = net ]; then sc_run_config "$s" 0; return 0; fi
  sc_run_config "$s" $((s + 900))
  if [ "$SC_FAIL" = secret ]; then sc_emit $((s + 900)) ERROR "Failed to initialize" 'component=sidecar err="failed to create node: secret is required"'; return 0; fi
  sc_run_node $((s + 1600))
  # each run's request takes as long as the first one's did (a timeout: the client's 10 s)
  d=$(( SC_FAIL_NS + (s % 997) * 1000 )); t=$((s + 1600 + d / 1000000)); sc_dur "$d"; d=$REPLY
  case "$SC_FAIL" in
    transport)
      sc_val "$SC_FAIL_MSG"; sc_emit "$t" ERROR "Center request failed" "component=node method=PUT path=$path elapsed=$d err=$REPLY"
      sc_val "failed to register node: failed to register node: $SC_FAIL_MSG"; sc_emit "$t" ERROR "Failed to start" "component=sidecar err=$REPLY" ;;
    http)
      sc_val "$SC_FAIL_MSG"; sc_emit "$t" ERROR "Center request failed" "component=node method=PUT path=$path status=$SC_FAIL_ST elapsed=$d body=$REPLY"
      sc_val "failed to register node: failed to register node: HTTP $SC_FAIL_ST: $SC_FAIL_MSG"; sc_emit "$t" ERROR "Failed to start" "component=sidecar err=$REPLY" ;;
    reject)
      sc_emit "$t" INFO "Center request ok" "component=node method=PUT path=$path status=$SC_FAIL_ST elapsed=$d"
      sc_val "failed to register node: $SC_FAIL_MSG"; sc_emit "$t" ERROR "Failed to start" "component=sidecar err=$REPLY" ;;
  esac
}
loop_period() { case "$1" in net) echo 32000 ;; center) echo 12000 ;; *) echo 10000 ;; esac; }
sc_loop_lines() { # NOW — the restart loop's runs (one every period from the container's start) up to NOW
  local now=$1 st=${C_STARTED[k2-sidecar]} p i last
  local PIP=$IP PDOMAIN=$DOMAIN # each run is a new process: it detects the address the machine has now
  case "${C_LOOP[k2-sidecar]}" in net) p=32000 ;; center) p=12000 ;; *) p=10000 ;; esac
  last=$(( (now - st) / p ))
  W_FROM=$SC_LOOP_DONE W_TO=$now W_NEXT=$((st + (last + 1) * p))
  [ "$W_FROM" -lt $((st - 1)) ] && W_FROM=$((st - 1))
  i=$(( (W_FROM + 1 - st) / p ))
  # nobody looked for a while: the last runs only
  if [ $((last - i)) -gt 4 ]; then i=$((last - 4)); W_FROM=$((st + i * p - 1)); fi
  for ((; i <= last; i++)); do sc_run $((st + i * p)); done
  SC_LOOP_DONE=$now SC_NEXT=$W_NEXT
}
sc_fail_start() { # S LOOP DONE — this run fails: the container restarts every period from S; lines after DONE come as time passes
  local s=$1 loop=$2 p k next
  SC_LOOP_DONE=$3
  local now; sc_now; now=$REPLY
  case "$loop" in net) p=32000 ;; center) p=12000 ;; *) p=10000 ;; esac
  W_FROM=$SC_LOOP_DONE W_TO=$now W_NEXT=$SC_NEVER
  # every run from S up to now: a node provisioned long ago has looped a few times already
  for ((k = s; k == s || k <= now; k += p)); do sc_run "$k"; done
  SC_NEXT=$W_NEXT; [ "$now" -gt "$SC_LOOP_DONE" ] && SC_LOOP_DONE=$now
  next=$((s + p)); [ "$now" -ge "$s" ] && next=$((s + ((now - s) / p + 1) * p))
  [ "$next" -lt "$SC_NEXT" ] && SC_NEXT=$next
  sc_save
  cupd k2-sidecar '.state = "running" | .health = "starting" | .started = $t0 | .healthyAt = 0 | .loop = $l | .exitCode = 1' --argjson t0 "$s" --arg l "$loop"
}

# ---- start-up (main.go main → NewSidecar → Start) -----------------------------------
sidecar_boot() { # the sidecar process starts in its (existing) container; returns 1 when this run fails (a restart loop)
  load; sc_load; sc_reset
  SC_IP=$IP; sc_ident # the address it detects now, kept for its whole run
  sc_config
  local t0 now; sc_now; t0=$REPLY now=$REPLY
  SC_RUN=$t0
  [ -n "${K2SIM_PROVISIONED_LONG_AGO:-}" ] && SC_LONG=1
  if [ "$NET_BROKEN" = 1 ]; then
    # config load exits before main() clears the ready flag: a stale .ready stays
    # a node provisioned long ago has been looping for a while: its earlier failed runs (and their errors) are in the log
    local s0=$t0; [ "$SC_LONG" = 1 ] && s0=$((t0 - 2 * 32000))
    SC_FAIL=net; sc_fail_start "$s0" net $((s0 - 1)); return 1
  fi
  rm -f "$CFG/.ready" # main(): after the config load, before the network-bound NewSidecar
  if [ -z "$CF_SECRET" ]; then SC_FAIL=secret; sc_fail_start "$t0" secret $((t0 - 1)); return 1; fi
  # a healthy start-up writes its lines as it goes (the simulated lookups answer at once)
  W_FROM=$((t0 - 1)) W_TO=$SC_NEVER W_NEXT=$SC_NEVER
  sc_run_config "$t0" "$t0"
  sc_run_node "$t0"
  if ! sc_register "$SC_URL"; then
    # this run ends here; the next runs fail the same way (a restart loop replaying this answer)
    local err=$REPLY loop=secret
    if [ "$CR_ST" = 000 ]; then SC_FAIL=transport SC_FAIL_MSG=$CR_ERR loop=center
    elif [ "$CR_ST" -ge 300 ]; then SC_FAIL=http SC_FAIL_ST=$CR_ST SC_FAIL_MSG=$CR_BODY
    else SC_FAIL=reject SC_FAIL_ST=$CR_ST SC_FAIL_MSG=$err; fi
    SC_FAIL_NS=$CR_NS
    sc_val "failed to register node: $err"; sc_log "$SC_REG_NOW" ERROR "Failed to start" "component=sidecar err=$REPLY"
    local p; case "$loop" in net) p=32000 ;; center) p=12000 ;; *) p=10000 ;; esac
    sc_fail_start "$t0" "$loop" $((t0 + p - 1))
    return 1
  fi
  sc_now; now=$REPLY
  sc_log "$now" INFO "Node registered" "component=sidecar ipv4=$SC_REG_IP tunnels=$SC_REG_N"
  if [ -n "$SC_REG_CERT" ] && [ -n "$SC_REG_KEY" ]; then
    # replaced, not rewritten: an earlier start (as root or the other user) owns the old files
    mkdir -p "$CFG/certs"; rm -f "$CFG/certs/$PDOMAIN-cert.pem" "$CFG/certs/$PDOMAIN-key.pem"
    printf '%s' "$SC_REG_CERT" > "$CFG/certs/$PDOMAIN-cert.pem"; (umask 077; printf '%s' "$SC_REG_KEY" > "$CFG/certs/$PDOMAIN-key.pem")
    sc_log "$now" INFO "Saved certificate" "component=certificate path=/etc/kaitu/certs/$PDOMAIN-cert.pem"
    sc_log "$now" INFO "Saved private key" "component=certificate path=/etc/kaitu/certs/$PDOMAIN-key.pem"
    sc_log "$now" INFO "Saved K2 certificate" "component=sidecar dir=/etc/kaitu/certs file=$PDOMAIN-cert.pem"
    # §1.4: server-cert.pem / server-key.pem are symlinks to the domain's files
    ln -sfn "$PDOMAIN-cert.pem" "$CFG/certs/server-cert.pem"; ln -sfn "$PDOMAIN-key.pem" "$CFG/certs/server-key.pem"
    sc_log "$now" INFO "Linked K2 certificate to server-cert.pem" "component=sidecar"
  fi
  sc_k2v5_config
  sc_log "$now" INFO "Generated config file" "component=sidecar path=/etc/kaitu/k2v5-config.yaml"
  printf '%d' $((now / 1000)) > "$CFG/.ready"
  sc_log "$now" INFO "Created ready flag" "component=sidecar file=/etc/kaitu/.ready"
  # Step 3.6: the connect-url poller (looks at once, then every 5 s)
  SC_POLL=1 SC_POLL_START=$now SC_WAITS=0
  # Step 4: the collector's ticker, every REPORT_INTERVAL (scaled by TIME_SCALE like the usage reporter)
  local every=120000
  if sc_parse_dur "$CF_REPORT"; then every=$REPLY
  else sc_val "$CF_REPORT"; sc_log "$now" WARN "Invalid report_interval, using default 120s" "component=sidecar interval=$REPLY"; fi
  SC_ST_EVERY=$(( every / TIME_SCALE )); [ "$SC_ST_EVERY" -ge 100 ] || SC_ST_EVERY=100
  SC_ST_NEXT=$((now + SC_ST_EVERY)) # a Ticker: the first tick one interval after the start
  SC_NET_IN=$((14200 + SC_SEED % 1700)) SC_NET_OUT=$((5100 + SC_SEED % 900)) SC_ST_N=0
  local health=starting hat=$((now + HEALTH_DELAY_MS))
  fault unhealthy && { health=unhealthy; hat=0; }
  # NewCollector (the TrafficMonitor, or the "disabled" line without a billing date), the collector's
  # goroutine, the enforcer and the usage reporter: the meter's part (_meter.sh)
  meter_boot "$CF_BILL" "$CF_LIMIT" "$CF_MODE" "$CF_CENTER" "$now"
  SC_UP=1
  sc_schedule
  sc_save
  # StartedAt is the process start, before its first log line (docker logs --since StartedAt shows the whole run)
  cupd k2-sidecar '.state = "running" | .health = $h | .started = $t0 | .healthyAt = $hat | .loop = null | .exitCode = 0' --arg h "$health" --argjson hat "$hat" --argjson t0 "$t0"
  return 0
}
sc_k2v5_config() { # generateK2V5Config: k2v5ConfigTemplate (main.go) rendered
  local hop=""
  [ "$CF_HOP_MIN" -gt 0 ] && [ "$CF_HOP_MAX" -gt 0 ] && printf -v hop '\nhop_start: %d\nhop_end: %d' "$CF_HOP_MIN" "$CF_HOP_MAX"
  printf 'listen: ":443"\ncert_dir: "/etc/k2v5"\n# tls — dormant: k2v5 generates its own self-signed certs in cert_dir.\n# These entries are kept for documentation; k2v5 ignores them.\ntls:\n  cert: "/etc/kaitu/certs/server-cert.pem"\n  key: "/etc/kaitu/certs/server-key.pem"\nauth:\n  users_file: "/etc/k2v5/users"\n  remote_url: "%s/slave/device-check-auth"\n  cache_ttl: 15m\n  enforce_auth: %s\nlog:\n  level: "%s"%s\n' \
    "$CF_CENTER" "$CF_ENFORCE" "$CF_LOGLEVEL" "$hop" > "$CFG/k2v5-config.yaml"
}

# ---- SIGTERM (docker stop / restart, compose down or recreate, dockerd restart) ----
sidecar_graceful_stop() {
  load; sc_load
  # before Start() reaches signal.Notify (a start-up under way, a failing run) SIGTERM kills at once: no lines
  if [ "$SC_UP" = 1 ] && has k2-sidecar && [ -z "${C_LOOP[k2-sidecar]}" ]; then
    sc_config
    # Unregister: the address it registered (in memory), not the one the machine may have now
    local now reg=${SC_REG_IP:-$PIP} path; path="/slave/nodes/$reg"; sc_now; now=$REPLY
    sc_log "$now" INFO "Received signal, shutting down..." "component=sidecar signal=terminated"
    sc_log "$now" INFO "Shutting down..." "component=sidecar"
    sc_log "$now" INFO "Unregistering node" "component=node ipv4=$reg"
    sc_req DELETE "$path"
    sc_now; now=$REPLY
    if sc_req_lines "$now" DELETE "$path" "$CR_ST" "$CR_NS" "$CR_ERR" "$CR_BODY"; then
      sc_log "$now" INFO "Node unregistered successfully" "component=node ipv4=$reg"
      sc_log "$now" INFO "Node unregistered successfully" "component=sidecar"
    else
      sc_req_err; sc_val "failed to unregister node: $REPLY"
      sc_log "$now" WARN "Failed to unregister node" "component=sidecar err=$REPLY"
    fi
    sc_log "$now" INFO "Shutdown complete" "component=sidecar"
  fi
  sc_reset
  sc_save
}

# ---- k2s's side: /etc/k2v5/connect-url.txt ----------------------------------------
k2s_connect_url() { # NOW — k2s writes connect-url.txt (k2v5-data volume) once its start-up is through, after each start
  local now=$1 due dir token ech pin
  [ "${C_STATE[k2s]:-}" = running ] && [ "${C_STARTED[k2s]:-0}" != "$SC_K2S_RUN" ] || return 1
  fault k2s-not-ready && return 1
  due=$((C_STARTED[k2s] + 500)); [ "$SC_LONG" = 1 ] && due=$now
  [ "$now" -ge "$due" ] || return 1
  local proj=${C_PROJ[k2s]:-k2s}; sc_k2v5_dir "$proj"; dir=$REPLY
  mkdir -p "$dir" 2>/dev/null
  sc_rand $((SC_SEED + C_STARTED[k2s])) 16; token=$REPLY
  sc_rand $((SC_SEED * 7 + 1)) 84; ech="AEX-DQBB$REPLY"
  sc_rand $((SC_SEED * 13 + 5)) 43; pin=$REPLY
  printf 'k2v5://k2s:%s@%s:443?ech=%s&pin=sha256:%s&hop=40000-40019&insecure=1\n' "$token" "$IP" "$ech" "$pin" > "$dir/connect-url.txt" 2>/dev/null
  printf '%d\n' "$due" > "$K2SIM/k2v5-mtime.$proj"
  SC_K2S_RUN=${C_STARTED[k2s]}
  return 0
}

# ---- the running process: connect-url poller, collector -----------------------------
sc_poll_accept() { # → REPLY: the poll that finds connect-url.txt newer than the poller's start (SC_NEVER: none will)
  REPLY=$SC_NEVER
  local m=0
  # the file's mtime as os.Stat sees it (kept beside the node's state: reading it back would cost a fork)
  [ -s "$CF_K2V5/connect-url.txt" ] && [ -s "$K2SIM/k2v5-mtime.$CF_PROJ" ] && read -r m < "$K2SIM/k2v5-mtime.$CF_PROJ"
  [ "$m" -gt 0 ] || return 0
  if [ "$SC_LONG" = 1 ]; then REPLY=$SC_POLL_START; return 0; fi
  [ "$m" -gt "$SC_POLL_START" ] || return 0
  REPLY=$(( SC_POLL_START + (m - SC_POLL_START + 4999) / 5000 * 5000 ))
}
sc_schedule() { # SC_NEXT: the first moment something is due
  local n=$SC_NEVER t
  if [ "$SC_UP" = 1 ] && [ "$SC_POLL" = 1 ]; then
    t=$((SC_POLL_START + 25000 + 30000 * SC_WAITS)); [ "$t" -lt "$n" ] && n=$t
    sc_poll_accept; [ "$REPLY" -lt "$n" ] && n=$REPLY
  fi
  [ "$SC_UP" = 1 ] && [ "$SC_ST_NEXT" -gt 0 ] && [ "$SC_ST_NEXT" -lt "$n" ] && n=$SC_ST_NEXT
  SC_NEXT=$n
}
sc_reregister() { # AT — the poller found the file at AT: buildTunnelConfigs again, Register with the serverUrl, stop polling
  local at=$1 url
  sc_server_url; url=$REPLY
  [ -n "$url" ] || return 0 # no ech/pin in it: keep polling
  SC_POLL=0 SC_LONG=0
  W_FROM=$((at - 1)) W_TO=$SC_NEVER W_NEXT=$SC_NEVER
  sc_tunnel_lines "$at"
  sc_log "$at" INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$PIP country=$COUNTRY"
  if sc_register "$url" "$at"; then
    sc_val "$url"; sc_log "$SC_REG_NOW" INFO "Updated k2v5 serverURL" "component=sidecar url=$REPLY"
  else
    sc_val "$REPLY"; sc_log "$SC_REG_NOW" ERROR "Failed to re-register with k2v5 serverURL" "component=sidecar err=$REPLY"
  fi
}
sc_metrics() { # T N — the collector's Health at its N-th tick (time T) → SCM_* (slog and JSON forms); advances the container's eth0 counters
  local t=$1 n=$2 o=${IP##*.} up total busy used cache avail dused davail rx tx j secs
  # cpu: /proc/stat is the host's, counted since its boot (2 days ago): non-idle share of all jiffies (2 CPUs)
  up=$(( 2 * 86400 + 3 * 3600 + (o % 60) * 60 + (t - SC_RUN) / 1000 * TIME_SCALE ))
  total=$((up * 200)); busy=$(( total / 100000 * ((10 + o % 40) * 100 + 1400 + (o % 10) * 100) + t / 1000 % 97 ))
  sc_float $((busy * 100)) "$total"; SCM_CPU=$REPLY; sc_float $((busy * 100)) "$total" json; SCM_CPU_J=$REPLY
  # memory: /proc/meminfo is the host's too (what `free` shows)
  used=$((560000 + o * 7919 % 300000)); cache=$((1100000 - o * 3001 % 200000)); avail=$((1956680 - used - 60000))
  sc_float $(( (1956680 - avail) * 100 )) 1956680; SCM_MEM=$REPLY; sc_float $(( (1956680 - avail) * 100 )) 1956680 json; SCM_MEM_J=$REPLY
  # disk: `df -h /` in the container is the host's root file system (Use%, an integer)
  dused=$((8200000 + o * 131071 % 9000000)); davail=$((40581564 - dused - 2000000)); SCM_DISK=$(( (dused * 100 + dused + davail - 1) / (dused + davail) ))
  # network: the sidecar container's own eth0 (its Center traffic) over one interval; the first tick counts from 0
  j=$(( (SC_SEED * 2654435761 + n * 40503) & 0xffffff ))
  if [ "$n" -le 1 ]; then rx=$SC_NET_IN tx=$SC_NET_OUT; else rx=$((6100 + j % 1900)) tx=$((3400 + j % 700)); SC_NET_IN=$((SC_NET_IN + rx)) SC_NET_OUT=$((SC_NET_OUT + tx)); fi
  secs=$(( SC_ST_EVERY * TIME_SCALE ))
  sc_float $((tx * 8)) $((secs * 1000)); SCM_UP=$REPLY; sc_float $((tx * 8)) $((secs * 1000)) json; SCM_UP_J=$REPLY
  sc_float $((rx * 8)) $((secs * 1000)); SCM_DOWN=$REPLY; sc_float $((rx * 8)) $((secs * 1000)) json; SCM_DOWN_J=$REPLY
}
sc_traffic() { # T → SC_TS_END SC_TS_LIMIT SC_TS_USED: the collector's TrafficMonitor.GetTrafficStats at T (zeros without a monitor)
  # read from the meter's state (_meter.sh) without changing it: the meter's own goroutines book what they do
  SC_TS_END=0 SC_TS_LIMIT=0 SC_TS_USED=0
  declare -F meter_load > /dev/null && declare -F used_of > /dev/null || return 0
  meter_load
  [ "${M_ON:-0}" = 1 ] || return 0
  nic_flag; nic_at $(( $1 - CLOCK_OFFSET_MS )); used_of "$RX" "$TX"
  SC_TS_END=$M_END SC_TS_LIMIT=$M_LIMITB SC_TS_USED=$USED
}
sc_status_post() { # NOW — the ticks due by NOW: one POST /slave/report/status with the latest one's Health (its outcome: SCST_*)
  local now=$1 every=$SC_ST_EVERY n last end=0 limit=0 used=0 body
  local in=$SC_NET_IN out=$SC_NET_OUT k=$SC_ST_N t
  n=$(( (now - SC_ST_NEXT) / every + 1 ))
  # nobody looked for a while: the last 30 ticks only
  if [ "$n" -gt 30 ]; then SC_ST_N=$((SC_ST_N + n - 30)); SC_ST_NEXT=$((SC_ST_NEXT + (n - 30) * every)); k=$SC_ST_N; n=30; fi
  last=$((SC_ST_NEXT + (n - 1) * every))
  for ((t = SC_ST_NEXT; t <= last; t += every)); do SC_ST_N=$((SC_ST_N + 1)); sc_metrics "$t" "$SC_ST_N"; done
  sc_traffic "$last"; end=$SC_TS_END limit=$SC_TS_LIMIT used=$SC_TS_USED
  printf -v body '{"updatedAt":%d,"health":{"cpuUsage":%s,"memoryUsage":%s,"diskUsage":%d,"networkIn":%d,"networkOut":%d,"connections":0,"networkSpeedMbps":0,"bandwidthUpMbps":%s,"bandwidthDownMbps":%s,"networkLatencyMs":0,"packetLossPercent":0,"billingCycleEndAt":%d,"monthlyTrafficLimitBytes":%d,"usedTrafficBytes":%d}}' \
    $((last / 1000)) "$SCM_CPU_J" "$SCM_MEM_J" "$SCM_DISK" "$SC_NET_IN" "$SC_NET_OUT" "$SCM_UP_J" "$SCM_DOWN_J" "$end" "$limit" "$used"
  sc_req POST /slave/report/status "$body"
  SCST_LAST=$last SCST_ST=$CR_ST SCST_BODY=$CR_BODY SCST_ERR=$CR_ERR SCST_NS=$CR_NS
  SC_NET_IN=$in SC_NET_OUT=$out SC_ST_N=$k # the ticks' lines replay the counters
}
sc_status_tick() { # T — one tick's lines (the ticks before the latest one had the latest one's outcome)
  local t=$1 d=$SCST_NS path=/slave/report/status
  SC_ST_N=$((SC_ST_N + 1))
  sc_metrics "$t" "$SC_ST_N"
  sc_log "$t" INFO "Collected metrics" "component=metrics cpu=$SCM_CPU memory=$SCM_MEM disk=$SCM_DISK networkUpMbps=$SCM_UP networkDownMbps=$SCM_DOWN"
  sc_log "$t" INFO "Reporting status" "component=node cpu=$SCM_CPU mem=$SCM_MEM disk=$SCM_DISK conn=0 speedMbps=0 upMbps=$SCM_UP downMbps=$SCM_DOWN latencyMs=0 loss=0 netIn=$SC_NET_IN netOut=$SC_NET_OUT"
  [ "$t" -lt "$SCST_LAST" ] && d=$(( SCST_NS + (t % 991) * 1000 ))
  t=$((t + d / 1000000))
  CR_ST=$SCST_ST CR_BODY=$SCST_BODY CR_ERR=$SCST_ERR
  if sc_req_lines "$t" POST "$path" "$CR_ST" "$d" "$CR_ERR" "$CR_BODY"; then
    sc_val "$CR_BODY"; sc_log "$t" INFO "Status reported successfully" "component=node response=$REPLY"
  else
    sc_req_err; local e=$REPLY
    sc_val "$e"; sc_log "$t" ERROR "Failed to report status" "component=node err=$REPLY"
    sc_val "failed to report status: $e"; sc_log "$t" ERROR "Error collecting and reporting" "component=metrics err=$REPLY"
  fi
  SC_ST_NEXT=$((SC_ST_NEXT + SC_ST_EVERY))
}
sc_up_tick() { # NOW — the running process's goroutines up to NOW, in time order
  local now=$1 w a s guard=0
  SCST_LAST=0
  [ "$SC_ST_NEXT" -gt 0 ] && [ "$SC_ST_NEXT" -le "$now" ] && sc_status_post "$now"
  if [ "$SC_POLL" = 1 ]; then # nobody looked for a while: the last waiting lines only
    w=$((SC_POLL_START + 25000 + 30000 * SC_WAITS))
    [ $(( (now - w) / 30000 )) -gt 20 ] && SC_WAITS=$(( SC_WAITS + (now - w) / 30000 - 20 ))
  fi
  while [ $((guard += 1)) -lt 500 ]; do
    w=$SC_NEVER a=$SC_NEVER s=$SC_NEVER
    if [ "$SC_POLL" = 1 ]; then w=$((SC_POLL_START + 25000 + 30000 * SC_WAITS)); sc_poll_accept; a=$REPLY; fi
    [ "$SC_ST_NEXT" -gt 0 ] && [ "$SC_ST_NEXT" -le "$SCST_LAST" ] && s=$SC_ST_NEXT
    if [ "$a" -le "$now" ] && [ "$a" -le "$w" ] && [ "$a" -le "$s" ]; then
      [ "$SC_LONG" = 1 ] && a=$now
      sc_reregister "$a"; [ "$SC_POLL" = 1 ] && SC_POLL=2 # a file without ech/pin: polls on without finding more
    elif [ "$w" -le "$now" ] && [ "$w" -le "$s" ]; then
      sc_log "$w" INFO "Waiting for k2v5 connect-url.txt..." "component=sidecar"; SC_WAITS=$((SC_WAITS + 1))
    elif [ "$s" -le "$now" ]; then
      sc_status_tick "$s"
    else break; fi
  done
  [ "$SC_POLL" = 2 ] && SC_POLL=1
}

sidecar_tick() { # sidecar_tick NOW — the sidecar's own time: health check, then what became due (caller loaded the state)
  local now=$1 wrote=0
  # health check passes once the ready flag has been there long enough
  if has k2-sidecar && [ "${C_HEALTH[k2-sidecar]}" = starting ] && [ -z "${C_LOOP[k2-sidecar]}" ] && [ "${C_HAT[k2-sidecar]}" -gt 0 ] && [ "$now" -ge "${C_HAT[k2-sidecar]}" ]; then
    cupd k2-sidecar '.health = "healthy" | .healthyAt = 0'; C_HEALTH[k2-sidecar]=healthy
  fi
  sc_load
  k2s_connect_url "$now" && wrote=1
  [ "$wrote" = 0 ] && [ "$now" -lt "$SC_NEXT" ] && return 0
  sc_config
  if ! has k2-sidecar || [ "${C_STATE[k2-sidecar]}" != running ]; then
    # a frozen (paused) process writes nothing: what fell due meanwhile never happens; a stopped one has no future
    if [ "${C_STATE[k2-sidecar]:-}" = paused ] && [ "$SC_UP" = 1 ]; then
      [ "$SC_ST_NEXT" -gt 0 ] && [ "$SC_ST_NEXT" -le "$now" ] && SC_ST_NEXT=$(( SC_ST_NEXT + ((now - SC_ST_NEXT) / SC_ST_EVERY + 1) * SC_ST_EVERY ))
      if [ "$SC_POLL" = 1 ]; then while [ $((SC_POLL_START + 25000 + 30000 * SC_WAITS)) -le "$now" ]; do SC_WAITS=$((SC_WAITS + 1)); done; fi
      sc_schedule
    else SC_NEXT=$SC_NEVER; fi
  elif [ -n "${C_LOOP[k2-sidecar]}" ]; then
    if [ -n "$SC_FAIL" ]; then sc_loop_lines "$now"; else SC_NEXT=$SC_NEVER; fi
  elif [ "$SC_UP" = 1 ]; then
    sc_up_tick "$now"
    sc_schedule
  else SC_NEXT=$SC_NEVER; fi
  sc_save
}
