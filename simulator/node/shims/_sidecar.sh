# shellcheck shell=bash
# The simulated k2-sidecar process (docker/sidecar/main.go, sidecar/node.go): start-up, registration
# at Center, restart loops, graceful stop. Sourced by _lib.sh; the meter is _meter.sh.

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
    mkdir -p "$CFG/certs"; rm -f "$CFG/certs/$TD-cert.pem" "$CFG/certs/$TD-key.pem"
    printf '%s' "$CERT" > "$CFG/certs/$TD-cert.pem"; (umask 077; printf '%s' "$KEY" > "$CFG/certs/$TD-key.pem")
    # §1.4: server-cert.pem / server-key.pem are symlinks to the domain's files
    ln -sfn "$TD-cert.pem" "$CFG/certs/server-cert.pem"; ln -sfn "$TD-key.pem" "$CFG/certs/server-key.pem"
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


# ---- sidecar start-up (§2.3 / §3.4) ----------------------------------------
sidecar_boot() { # the sidecar process starts inside its (existing) container; returns 1 on a start-up failure
  local now; now=$(nowms)
  local ver bill limit mode secret center region name iptype
  ver=$(cenv k2-sidecar K2_VERSION); bill=$(cenv k2-sidecar K2_NODE_BILLING_START_DATE); limit=$(cenv k2-sidecar K2_NODE_TRAFFIC_LIMIT_GB); limit=${limit:-0}
  mode=$(cenv k2-sidecar K2_NODE_TRAFFIC_BILLING_MODE); secret=$(cenv k2-sidecar K2_NODE_SECRET); center=$(cenv k2-sidecar K2_CENTER_URL); center=${center:-https://k2.52j.me}
  region=$(cenv k2-sidecar K2_NODE_REGION); name=$(cenv k2-sidecar K2_NODE_NAME); iptype=$(cenv k2-sidecar K2_IP_TYPE); iptype=${iptype:-unknown}
  rm -f "$CFG/.ready"
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
  printf 'listen: ":443"\ncert_dir: "/etc/kaitu/certs"\nauth:\n  users_file: "/etc/k2v5/users"\n  remote_url: "%s/slave/device-check-auth"\n' "$center" > "$CFG/k2v5-config.yaml"
  slog INFO "Generated config file" "component=sidecar path=/etc/kaitu/k2v5-config.yaml"
  : > "$CFG/.ready"
  slog INFO "Created ready flag" "component=sidecar file=/etc/kaitu/.ready"
  local health=starting hat=$((now + HEALTH_DELAY_MS))
  fault unhealthy && { health=unhealthy; hat=0; }
  meter_boot "$bill" "$limit" "$mode" "$center" "$now"
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

sidecar_tick() { # sidecar_tick NOW — the sidecar's own time: health check, restart-loop runs (caller loaded the state)
  local now=$1
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
}
