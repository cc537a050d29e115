# shellcheck shell=bash
# The simulated sidecar meter (docker/sidecar/sidecar/{traffic,usage_reporter,enforcer,cutoff_state}.go):
# traffic monitor, usage reporter, cutoff enforcer, set-usage. Sourced by _lib.sh.

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

nic_sync() { :; } # called before every container change: the NIC counters advance under the state that held until now

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


meter_boot() { # meter_boot BILLDATE LIMITGB MODE CENTER NOW — NewCollector + the reporter and enforcer start (main.go Start step 4)
  local bill=$1 limit=$2 mode=$3 center=$4 now=$5
  if [ -n "$bill" ]; then
    [ -n "$(jq -r '.usedPending // empty' "$STATE")" ] && jq_state --argjson now "$now" '.usedBase = .usedPending | .meterStart = $now | del(.usedPending)'
    [ "$(jq -r '.meterStart // 0' "$STATE")" = 0 ] && jq_state --argjson now "$now" '.meterStart = $now'
    load
    local used end; used=$(used_at "$now"); end=$(cycle_end "$bill")
    slog INFO "Detected primary interface" "component=traffic interface=ens5 totalBytes=99533351914"
    slog INFO "Traffic cycle baseline restored from state" "component=traffic cycleStartRx=40113307721 cycleStartTx=42020044193 priorUsedBytes=$USED_BASE"
    slog INFO "Traffic monitor initialized" "component=traffic interface=ens5 billingDate=$bill limitGB=$limit billingMode=${mode:-max} rx=48213307721 tx=51320044193"
    printf '{"billing_cycle_end_at":%s,"cycle_start_rx":40113307721,"cycle_start_tx":42020044193,"prior_used_bytes":%s,"last_used_bytes":%s}' "$end" "$USED_BASE" "$used" > "$CFG/traffic.state"
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
    rm -f "$CFG/cutoff.state"
  fi
}

meter_tick() { # meter_tick NOW LOOP — the reporter and the enforcer catch up to NOW
  local now=$1 loop=$2
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
        printf '{"epoch_id":0,"cut":true}' > "$CFG/cutoff.state"
      fi
    elif has "$tn" && [ "${C_STATE[$tn]}" = paused ]; then
      cupd "$tn" '.state = "running"'; C_STATE[$tn]=running
      slog INFO "DIAG: cutoff-unpaused" "component=cutoff container=$tn usedBytes=$used"
      printf '{"epoch_id":0,"cut":false}' > "$CFG/cutoff.state"
    fi
  fi
}

meter_set_usage() { # meter_set_usage GB — `k2-sidecar -c <cfg> set-usage <GB>` (main.go runSetUsage)
  local gb=$1 bill; bill=$(cenv k2-sidecar K2_NODE_BILLING_START_DATE)
  [ -n "$bill" ] || { echo "time=$(ts) level=ERROR msg=\"set-usage requires K2_NODE_BILLING_START_DATE (billing_start_date)\" component=sidecar" >&2; return 1; }
  [[ $gb =~ ^[0-9]+$ ]] || { echo "time=$(ts) level=ERROR msg=\"set-usage needs a non-negative integer GB. Usage: k2-sidecar -c <cfg> set-usage <GB>\" component=sidecar arg=$gb" >&2; return 1; }
  [ "$NET_BROKEN" = 1 ] && { echo "time=$(ts) level=ERROR msg=\"Failed to get IPv4 address (K2 mode requires IPv4)\" component=config" >&2; return 1; }
  local b=$((gb * 1073741824)) end; end=$(cycle_end "$bill")
  echo "time=$(ts) level=INFO msg=\"Detected primary interface\" component=traffic interface=ens5 totalBytes=99533351914" >&2
  echo "time=$(ts) level=INFO msg=\"Traffic monitor initialized\" component=traffic interface=ens5 billingDate=$bill limitGB=$(cenv k2-sidecar K2_NODE_TRAFFIC_LIMIT_GB) billingMode=sum rx=48213307721 tx=51320044193" >&2
  printf '{"billing_cycle_end_at":%s,"cycle_start_rx":48213307721,"cycle_start_tx":51320044193,"prior_used_bytes":%s,"last_used_bytes":%s}' "$end" "$b" "$b" > "$CFG/traffic.state"
  jq_state --argjson b "$b" '.usedPending = $b'
  echo "time=$(ts) level=INFO msg=\"Traffic usage set\" component=traffic usedGB=$gb cycleStartRx=48213307721 cycleStartTx=51320044193" >&2
  echo "time=$(ts) level=INFO msg=\"set-usage applied — RESTART the sidecar to load it (docker compose restart k2-sidecar)\" component=sidecar usedGB=$gb" >&2
}
