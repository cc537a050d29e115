# Shared helpers of the node simulator's command shims. Every simulated node
# runs the same shims; its own state lives under /apps/.k2ops-sim inside the
# node's private mount namespace.
SIM=/apps/.k2ops-sim
# shellcheck disable=SC1091
. "$SIM/node.env"
CONTAINERS="$SIM/containers"   # lines: name image state health restarts since envhash
LOCK="$SIM/.lock"
# state is shared by ubuntu (docker group on a real node) and root (sudo docker)
umask 000

now() { date +%s; }
ts() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
dashes() { echo "${IP//./-}"; }
deploy_dir() { if [ -d /apps/k2s ] && [ -f /apps/k2s/docker-compose.yml ]; then echo /apps/k2s; elif [ -d /apps/kaitu-slave ]; then echo /apps/kaitu-slave; else echo /apps/k2s; fi; }
envval() { local f; f="$(deploy_dir)/.env"; [ -f "$f" ] && grep -E "^$1=" "$f" | tail -1 | cut -d= -f2- || true; }
envhash() { local f; f="$(deploy_dir)/.env"; [ -f "$f" ] && md5sum < "$f" | cut -c1-12 || echo none; }
slog() { printf 'time=%s level=%s msg="%s" %s\n' "$(ts)" "$1" "$2" "$3" >> "$SIM/sidecar.log"; }

human() { # Docker's human duration
  local s=$1
  if [ "$s" -lt 1 ]; then echo "Less than a second"; elif [ "$s" -eq 1 ]; then echo "1 second"; elif [ "$s" -lt 60 ]; then echo "$s seconds";
  elif [ "$s" -lt 120 ]; then echo "About a minute"; elif [ "$s" -lt 3600 ]; then echo "$((s / 60)) minutes";
  elif [ "$s" -lt 7200 ]; then echo "About an hour"; elif [ "$s" -lt 172800 ]; then echo "$((s / 3600)) hours";
  elif [ "$s" -lt 1209600 ]; then echo "$((s / 86400)) days"; else echo "$((s / 604800)) weeks"; fi
}

get() { awk -v n="$1" -v f="$2" '$1==n {print $f}' "$CONTAINERS" 2>/dev/null; }
has() { [ -n "$(get "$1" 1)" ]; }
setc() { # name image state health restarts since envhash
  local tmp; tmp=$(mktemp "$SIM/.c.XXXX")
  awk -v n="$1" '$1!=n' "$CONTAINERS" > "$tmp" 2>/dev/null || true
  echo "$*" >> "$tmp"; sort -o "$tmp" "$tmp"; chmod 666 "$tmp"; mv "$tmp" "$CONTAINERS"
}
delc() { local tmp; tmp=$(mktemp "$SIM/.c.XXXX"); awk -v n="$1" '$1!=n' "$CONTAINERS" > "$tmp"; chmod 666 "$tmp"; mv "$tmp" "$CONTAINERS"; }
fault() { [ -f "$SIM/fault.$1" ]; }

center_register() { # PUT /slave/nodes/<ip> like the real sidecar; prints the HTTP code
  local secret; secret=$(envval K2_NODE_SECRET)
  local claim; claim=$(envval K2_PRIVATE_CLAIM)
  local body
  body=$(printf '{"country":"%s","region":"%s","name":"%s","ipType":"%s","secretToken":"%s","tunnels":[{"domain":"%s.sslip.io","protocol":"k2v5","port":443,"hopPortStart":40000,"hopPortEnd":40019,"hasTunnel":true}],"meta":{"arch":"k2v5"}%s}' \
    "$COUNTRY" "${REGION}" "$(envval K2_NODE_NAME)" "$(envval K2_IP_TYPE)" "$secret" "$(dashes)" "${claim:+,\"privateClaim\":\"$claim\"}")
  # the secret goes in the body and the Basic header from a file, never argv
  printf 'user = "%s:%s"\n' "$IP" "$secret" > "$SIM/.curlrc"; chmod 600 "$SIM/.curlrc"
  curl -s -o "$SIM/.register.json" -w '%{http_code}' -K "$SIM/.curlrc" -m 10 -X PUT -H 'Content-Type: application/json' --data-binary @- "$CENTER_URL/slave/nodes/$IP" <<< "$body" 2>/dev/null || echo 000
  rm -f "$SIM/.curlrc"
}

center_unregister() {
  # the running sidecar unregisters with the secret it started with (its env), not a newly edited .env
  local secret; secret=$(cat "$SIM/.registered-secret" 2>/dev/null || envval K2_NODE_SECRET)
  [ -n "$secret" ] || return 0
  printf 'user = "%s:%s"\n' "$IP" "$secret" > "$SIM/.curlrc"; chmod 600 "$SIM/.curlrc"
  curl -s -o /dev/null -K "$SIM/.curlrc" -m 5 -X DELETE "$CENTER_URL/slave/nodes/$IP" 2>/dev/null || true
  rm -f "$SIM/.curlrc" "$SIM/.registered-secret"
  slog INFO "Unregistering node" "component=node ipv4=$IP"
  slog INFO "Node unregistered successfully" "component=node ipv4=$IP"
}

sidecar_start() { # starts (or fails to start) the sidecar per the node's state; then k2s
  local tag; tag=$(envval K2_VERSION); tag=${tag:-latest}
  local img="public.ecr.aws/d6n9t2r2/k2-sidecar:$tag"
  echo "[entrypoint] Generated config: /tmp/sidecar-config.yaml" >> "$SIM/sidecar.stdout"
  slog INFO "Starting k2-sidecar v5.0 (unified config, batch registration)" "component=sidecar"
  slog INFO "Detecting missing network info..." "component=config"
  if [ "$NET_BROKEN" = 1 ]; then
    slog ERROR "Failed to get IPv4 address (K2 mode requires IPv4)" "component=config err=\"all ipv4 services failed: Get \\\"https://ipwhois.app/json/\\\": dial tcp4 203.0.113.99:443: i/o timeout\""
    setc k2-sidecar "$img" restarting starting "$(( $(get k2-sidecar 5 || echo 0) + 3 ))" "$(now)" "$(envhash)"; return 1
  fi
  slog INFO "Auto-detected IPv4" "component=config ipv4=$IP"
  slog INFO "Auto-generated tunnel domain" "component=config domain=$(dashes).sslip.io"
  if [ -z "$(envval K2_NODE_SECRET)" ]; then
    slog ERROR "Failed to initialize" "component=sidecar err=\"failed to create node: secret is required\""
    setc k2-sidecar "$img" restarting starting "$(( $(get k2-sidecar 5 || echo 0) + 5 ))" "$(now)" "$(envhash)"; return 1
  fi
  slog INFO "Registering node with tunnels" "component=node tunnels=1 ipv4=$IP country=$COUNTRY"
  local code; code=$(center_register)
  if [ "$code" != 200 ] || ! grep -q '"code":0' "$SIM/.register.json" 2>/dev/null; then
    slog ERROR "Center request failed" "component=node method=PUT path=/slave/nodes/$IP elapsed=10.001s err=\"HTTP $code\""
    slog ERROR "Failed to start" "component=sidecar err=\"failed to register node: HTTP $code\""
    setc k2-sidecar "$img" running starting "$(( $(get k2-sidecar 5 || echo 0) + 1 ))" "$(now)" "$(envhash)"; return 1
  fi
  local created=false; grep -q '"created":true' "$SIM/.register.json" && created=true
  (umask 077; envval K2_NODE_SECRET > "$SIM/.registered-secret")
  slog INFO "Center request ok" "component=node method=PUT path=/slave/nodes/$IP status=200 elapsed=12.3ms"
  slog INFO "Tunnel registered" "component=node domain=$(dashes).sslip.io protocol=k2v5 created=$created"
  slog INFO "Registration completed" "component=node ipv4=$IP nodeCreated=$created tunnels=1"
  slog INFO "Node registered" "component=sidecar ipv4=$IP tunnels=1"
  slog INFO "Created ready flag" "component=sidecar file=/etc/kaitu/.ready"
  local billing; billing=$(envval K2_NODE_BILLING_START_DATE)
  if [ -n "$billing" ]; then
    slog INFO "Traffic monitor initialized" "component=traffic interface=ens5 billingDate=$billing limitGB=$(envval K2_NODE_TRAFFIC_LIMIT_GB) billingMode=sum rx=48213307721 tx=51320044193"
    slog INFO "DIAG: cutoff-enforcer-start" "component=cutoff interval=5s containers=[k2s]"
    slog INFO "DIAG: usage-reporter-start" "component=usage center=$CENTER_URL ipv4=$IP"
    echo "$(now)" > "$SIM/meter.start"
  else
    slog WARN "Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped" "component=sidecar"
    rm -f "$SIM/meter.start"
  fi
  slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
  local health=healthy; fault unhealthy && health=unhealthy
  setc k2-sidecar "$img" running "$health" 0 "$(now)" "$(envhash)"
  [ "$health" = healthy ] && k2s_start "$tag"
  return 0
}

k2s_start() {
  local name=k2s; [ "$LEGACY" = 1 ] && name=k2-slave
  local state=running; [ "$CUT" = 1 ] && state=paused
  setc "$name" "public.ecr.aws/d6n9t2r2/$name:$1" "$state" - 0 "$(now)" "$(envhash)"
  mkdir -p "$(deploy_dir)/logs"
  printf 'time=%s level=INFO msg="k2s server ready" listen=:443\n' "$(ts)" >> "$(deploy_dir)/logs/k2s.log"
  if [ "$CUT" = 1 ]; then slog WARN "DIAG: cutoff-paused" "component=cutoff container=k2s usedBytes=1073301000000"; fi
}

usage_lines() { # the reporter's periodic lines, derived from elapsed time (cumulative climbs)
  [ -f "$SIM/meter.start" ] || return 0
  local start; start=$(cat "$SIM/meter.start"); local n=$(( ($(now) - start) / 5 + 2 )); [ $n -gt 40 ] && n=40
  local base=17400000000; [ "$CUT" = 1 ] && base=1073301000000
  local i; for ((i = 0; i < n; i++)); do
    printf 'time=%s level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=1788220800 cumulative=%s quotaTotal=%s\n' "$(ts)" "$((base + i * 551234))" "$(( $(envval K2_NODE_TRAFFIC_LIMIT_GB || echo 0) * 1073741824 ))"
  done
}

# fault: one node command hangs (e.g. a wedged docker daemon), matched on "<command> <args>"
if [ -s "$SIM/fault.shim-hang" ] && printf '%s %s' "${0##*/}" "$*" | grep -qE -f "$SIM/fault.shim-hang"; then sleep 600; fi
