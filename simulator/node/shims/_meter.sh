# shellcheck shell=bash
# The simulated sidecar meter (docker/sidecar/sidecar/{traffic,usage_reporter,enforcer,cutoff_state}.go,
# main.go runSetUsage): the host NIC, the TrafficMonitor, the cutoff enforcer, the usage reporter,
# set-usage. Sourced by _lib.sh; the pure functions (calendar, arithmetic) need nothing else.
#
# Time: the meter runs on the host's real clock ("mono" ms: EPOCHREALTIME, no node clock offset;
# Go's tickers and time.Since are monotonic), compressed TIME_SCALE× (a 60 s report every 5 s,
# the 5 s enforcer poll every 5/TIME_SCALE s, bytes per real second × TIME_SCALE). Only the
# billing cycle is wall-clock: the node's clock (mono + CLOCK_OFFSET_MS) against billing_cycle_end_at.
#
# State: the running sidecar's memory and the host NIC live in $K2SIM/meter.sh (bash, sourced:
# no jq on the hot path); traffic.state and cutoff.state are the real files in the config volume
# ($CFG), written exactly as Go writes them, so a restart loads what Go would load.

# node.env facts (meter-init.ts); the defaults serve state dirs made before these facts existed
RATE_PER_S=${RATE_PER_S:-1322964}
RX_PER_S=${RX_PER_S:-$((RATE_PER_S / 2))}
TX_PER_S=${TX_PER_S:-$((RATE_PER_S - RX_PER_S))}
STATE_RX0=${STATE_RX0:-40113307721}
STATE_TX0=${STATE_TX0:-42020044193}
NIC_RX0=${NIC_RX0:-48213307721}
NIC_TX0=${NIC_TX0:-51320044193}
TIME_SCALE=${TIME_SCALE:-12}
BOOT_RX=${BOOT_RX:-18350912} # what a fresh boot has received / sent by the time the stack is up (apt, docker pulls of nothing, ssh)
BOOT_TX=${BOOT_TX:-2621440}
METER=${K2SIM:-/var/lib/k2sim}/meter.sh
CUT_RESERVE=524288000 # quotaCutoffReserveBytes: 500 MiB
GIB=1073741824
MLOG=slog # where the TrafficMonitor's lines go (the sidecar's log; stderr for set-usage)

# ---- calendar: Go's time.Date normalisation in UTC, integer arithmetic (no `date` forks) ----
days_from_civil() { # days_from_civil Y M D → DAYS since 1970-01-01 (M and D may overflow, normalised as time.Date does: month first, then day)
  local y=$1 m=$(($2 - 1)) d=$3
  y=$((y + m / 12)); m=$((m % 12)); ((m < 0)) && { m=$((m + 12)); y=$((y - 1)); }
  ((m += 1))
  # days from civil of the 1st of the month (H. Hinnant), then the day's offset
  local yy=$((m <= 2 ? y - 1 : y)) era yoe doy
  era=$(((yy >= 0 ? yy : yy - 399) / 400)); yoe=$((yy - era * 400))
  doy=$(((153 * ((m + 9) % 12) + 2) / 5))
  DAYS=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 + d - 1))
}
civil_from_days() { # civil_from_days DAYS → CY CM CD
  local z=$(($1 + 719468)) era doe yoe doy mp
  era=$(((z >= 0 ? z : z - 146096) / 146097)); doe=$((z - era * 146097))
  yoe=$(((doe - doe / 1460 + doe / 36524 - doe / 146096) / 365))
  doy=$((doe - (365 * yoe + yoe / 4 - yoe / 100))); mp=$(((5 * doy + 2) / 153))
  CD=$((doy - (153 * mp + 2) / 5 + 1)); CM=$((mp < 10 ? mp + 3 : mp - 9)); CY=$((yoe + era * 400 + (CM <= 2 ? 1 : 0)))
}
ymd() { # ymd UNIXS → YMD: time.Unix(s, 0).Format("2006-01-02") in UTC
  civil_from_days $(($1 / 86400)); printf -v YMD '%04d-%02d-%02d' "$CY" "$CM" "$CD"
}
cycle_end() { # cycle_end DAY NOWMS → CEND (Unix s): calculateNextCycleEnd — day DAY of now's month (a day the month
  # lacks rolls into the next, as time.Date does); once now is past it, AddDate(0,1,0) of that normalised date
  civil_from_days $(($2 / 86400000))
  days_from_civil "$CY" "$CM" "$1"; CEND=$((DAYS * 86400))
  if (($2 > CEND * 1000)); then civil_from_days "$DAYS"; days_from_civil "$CY" $((CM + 1)) "$CD"; CEND=$((DAYS * 86400)); fi
}
parse_bill() { # parse_bill V → PB_DAY, or PB_ERR = Go's time.Parse("2006-01-02", V) error text
  local v=$1 r=$1 y m d
  PB_ERR="" PB_DAY=0
  gq_time "$v"; local qv=$GQ
  if [[ ! $r =~ ^[0-9]{4} ]]; then gq_time "$r"; PB_ERR="parsing time $qv as \"2006-01-02\": cannot parse $GQ as \"2006\""; return 1; fi
  y=$((10#${r:0:4})); r=${r:4}
  if [[ $r != -* ]]; then gq_time "$r"; PB_ERR="parsing time $qv as \"2006-01-02\": cannot parse $GQ as \"-\""; return 1; fi
  r=${r:1}
  if [[ ! $r =~ ^[0-9]{2} ]]; then gq_time "$r"; PB_ERR="parsing time $qv as \"2006-01-02\": cannot parse $GQ as \"01\""; return 1; fi
  m=$((10#${r:0:2})); r=${r:2}
  if ((m < 1 || m > 12)); then PB_ERR="parsing time $qv: month out of range"; return 1; fi
  if [[ $r != -* ]]; then gq_time "$r"; PB_ERR="parsing time $qv as \"2006-01-02\": cannot parse $GQ as \"-\""; return 1; fi
  r=${r:1}
  if [[ ! $r =~ ^[0-9]{2} ]]; then gq_time "$r"; PB_ERR="parsing time $qv as \"2006-01-02\": cannot parse $GQ as \"02\""; return 1; fi
  d=$((10#${r:0:2})); r=${r:2}
  if [ -n "$r" ]; then gq_time "$r"; PB_ERR="parsing time $qv: extra text: $GQ"; return 1; fi
  days_from_civil "$y" $((m + 1)) 0; local dim=$((DAYS)); days_from_civil "$y" "$m" 0; dim=$((dim - DAYS))
  if ((d < 1 || d > dim)); then PB_ERR="parsing time $qv: day out of range"; return 1; fi
  PB_DAY=$d
}

# ---- Go text ------------------------------------------------------------------
gq_time() { # gq_time S → GQ: strconv.Quote-like (the time package's quote)
  local v=$1; v=${v//\\/\\\\}; v=${v//\"/\\\"}; v=${v//$'\n'/\\n}; v=${v//$'\t'/\\t}; v=${v//$'\r'/\\r}; GQ="\"$v\""
}
gq() { # gq VALUE → GQ: a value as slog's TextHandler prints it (Go-quoted when empty or holding a space, '=', '"' or a control character)
  if [ -n "$1" ] && [[ ! $1 =~ [[:space:][:cntrl:]=\"] ]]; then GQ=$1; else gq_time "$1"; fi
}
norm_mode() { # norm_mode CONFIGURED → MODE: normalizeBillingMode (trim, lowercase; "" → max; unknown → sum and UNKNOWN=1)
  local m=$1; m=${m#"${m%%[![:space:]]*}"}; m=${m%"${m##*[![:space:]]}"}; m=${m,,}
  UNKNOWN=0
  case "$m" in "" | max) MODE=max ;; sum) MODE=sum ;; *) MODE=sum; UNKNOWN=1 ;; esac
}
go_dur() { # go_dur V → DUR_MS, DUR_S (time.ParseDuration of the simple forms <n>ms|s|m|h, else 5s; Duration.String())
  local v=$1 n u
  DUR_MS=5000
  if [[ $v =~ ^([0-9]+)(ms|s|m|h)$ ]]; then
    n=$((10#${BASH_REMATCH[1]})); u=${BASH_REMATCH[2]}
    case "$u" in ms) n=$n ;; s) n=$((n * 1000)) ;; m) n=$((n * 60000)) ;; h) n=$((n * 3600000)) ;; esac
    ((n > 0)) && DUR_MS=$n
  fi
  local ms=$DUR_MS h mi s f
  if ((ms < 1000)); then DUR_S="${ms}ms"; return; fi
  h=$((ms / 3600000)); mi=$((ms / 60000 % 60)); s=$((ms / 1000 % 60)); f=$((ms % 1000))
  printf -v f '%03d' "$f"; while [[ $f == *0 ]]; do f=${f%0}; done
  DUR_S="$s${f:+.$f}s"; ((h > 0)) && DUR_S="${h}h${mi}m$DUR_S" || { ((mi > 0)) && DUR_S="${mi}m$DUR_S"; }
}
int_env() { # int_env V → INT: a YAML int64 field (traffic_limit_gb: ${X:-0}): the number, 0 if it is none
  if [[ $1 =~ ^[+-]?[0-9]{1,18}$ ]]; then INT=$((10#${1#[+-]})); [[ $1 == -* ]] && INT=$((-INT)); else INT=0; fi
}

# ---- the host NIC: counters advance only while the tunnel container runs (k2s carries the users' traffic) ----
mono() { local t=${EPOCHREALTIME//[!0-9]/}; MONO=${t:0:13}; }
nic_flag() { # NIC_ON: the tunnel container (k2s, or a legacy k2-slave) runs, as the loaded state says
  NIC_ON=0; { [ "${C_STATE[k2s]:-}" = running ] || [ "${C_STATE[k2-slave]:-}" = running ]; } && NIC_ON=1
}
nic_at() { # nic_at T → RX TX: the NIC counters at T (a function of the tunnel's total running time: no rounding drift)
  local t=$1 run=$N_RUN i
  if ((t >= N_AT)); then
    ((NIC_ON)) && run=$((run + t - N_AT))
  else
    # a time before the last container change: the segment it falls in (a catch-up reads the recent past)
    run=${NH_R[0]:-$N_RUN}
    for ((i = ${#NH_T[@]} - 1; i >= 0; i--)); do
      if ((NH_T[i] <= t)); then run=$((NH_R[i] + (NH_ON[i] ? t - NH_T[i] : 0))); break; fi
    done
  fi
  # B_RX/B_TX: what the counters had reached at the last machine reboot (they restart from 0 at boot)
  RX=$((NIC_RX0 + run * RX_PER_S / 1000 - B_RX)); TX=$((NIC_TX0 + run * TX_PER_S / 1000 - B_TX))
}
nic_reboot() { # nic_reboot — a machine reboot: the kernel's NIC counters restart from 0 (plus the boot's own traffic);
  # the running sidecar (if any) is stopped by the reboot and folds the reset when it starts again (§4.4)
  meter_load; METER_BUSY=1
  mono; local t=$MONO
  nic_flag; nic_advance "$t"; nic_at "$t"
  B_RX=$((B_RX + RX - BOOT_RX)) B_TX=$((B_TX + TX - BOOT_TX))
  # no catch-up reads across a boot: the history before it is gone with the old counters
  NH_T=() NH_R=() NH_ON=()
  METER_BUSY=0; meter_save
}
proc_net_dev() { # proc_net_dev — the host's /proc/net/dev (kernel layout): lo, ens5 (the metered NIC: the meter's counters),
  # docker0 (idle), the compose network's bridge br-<id> and the tunnel's veth (the containers' share of ens5, directions swapped;
  # br-* is NOT excluded by the sidecar's interface choice, but carries a little less than ens5)
  local t=$1 o=${IP##*.} brx btx
  nic_flag; nic_at "$t"
  brx=$((TX * 97 / 100)) btx=$((RX * 97 / 100))
  printf 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n'
  local f='%6s: %7d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d\n' lo=$((48213 * (o + 7) + t / 1000 % 100000 * 64))
  # shellcheck disable=SC2059
  printf "$f" lo "$lo" $((lo / 640)) 0 0 0 0 0 0 "$lo" $((lo / 640)) 0 0 0 0 0 0
  # shellcheck disable=SC2059
  printf "$f" ens5 "$RX" $((RX / 1100)) 0 $((RX / 90000000)) 0 0 0 0 "$TX" $((TX / 1200)) 0 0 0 0 0 0
  # shellcheck disable=SC2059
  printf "$f" docker0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
  # shellcheck disable=SC2059
  printf "$f" "br-${NET_ID:-3f2a9c41d7e0}" "$brx" $((brx / 1100)) 0 0 0 0 0 0 "$btx" $((btx / 1200)) 0 0 0 0 0 0
  # shellcheck disable=SC2059
  printf "$f" "veth${VETH_ID:-5e1c2a7}" "$btx" $((btx / 1200)) 0 0 0 0 0 0 "$brx" $((brx / 1100)) 0 0 0 0 0 0
}
nic_advance() { # nic_advance T — the tunnel's running time up to T is booked under the state that held since the last change
  local t=$1 i run
  if ((t > N_AT)); then
    NH_T+=("$N_AT"); NH_R+=("$N_RUN"); NH_ON+=("$NIC_ON")
    ((NIC_ON)) && N_RUN=$((N_RUN + t - N_AT))
    N_AT=$t
  elif ((t < N_AT)); then
    # the meter's catch-up changes k2s at T, before a later booking (which assumed no change): the history after T goes
    run=${NH_R[0]:-$N_RUN}
    for ((i = ${#NH_T[@]} - 1; i >= 0; i--)); do
      if ((NH_T[i] <= t)); then run=$((NH_R[i] + (NH_ON[i] ? t - NH_T[i] : 0))); break; fi
    done
    i=$((i + 1)) # segments up to the one holding T stay (it now ends at T)
    NH_T=("${NH_T[@]:0:i}"); NH_R=("${NH_R[@]:0:i}"); NH_ON=("${NH_ON[@]:0:i}")
    N_RUN=$run N_AT=$t
  fi
  return 0
}
nic_prune() { # drop the NIC history before what the meter may still read (M_AT; none when no meter runs)
  local keep=0 i n=${#NH_T[@]}
  if [ "$M_ON" = 1 ]; then for ((i = n - 1; i >= 0; i--)); do if ((NH_T[i] <= M_AT)); then keep=$i; break; fi; done; else keep=$n; fi
  NH_T=("${NH_T[@]:keep}"); NH_R=("${NH_R[@]:keep}"); NH_ON=("${NH_ON[@]:keep}")
}
nic_sync() { # called (by cupd/cdel/cnew) before every container change: the NIC advances under the state that held until now
  local t=${NIC_T:-}
  [ "${METER_BUSY:-0}" = 1 ] || meter_load
  [ -n "$t" ] || { mono; t=$MONO; }
  nic_flag; nic_advance "$t"
  [ "${METER_BUSY:-0}" = 1 ] || meter_save
}

# ---- meter.sh: the host NIC and the running sidecar's memory ----------------------------------
meter_load() {
  if [ -s "$METER" ]; then
    # shellcheck disable=SC1090
    B_RX=0 B_TX=0 # (a meter.sh from before reboots reset the counters)
    . "$METER"; M_FRESH=0
  else
    mono
    N_RUN=0 N_AT=$MONO NH_T=() NH_R=() NH_ON=() B_RX=0 B_TX=0 M_ON=0 M_CID="" M_DAY=1 M_MODE=max M_LIMITB=0 M_END=0 M_SRX=0 M_STX=0 M_PRIOR=0 M_LAST=0 M_LP=0 M_G0=0 M_EP=416 M_AT=0
    E_CUT=0 R_NEXT=0 R_SEQ=0 R_INT=5000 M_FRESH=1
  fi
}
meter_save() {
  nic_prune
  # renamed into place (replace_file, _lib.sh): an empty meter.sh reads as a fresh meter, the NIC back at its
  # boot counters and the reporter's cumulative going down within an epoch (a bench:verify run saw it)
  replace_file "$METER" 'N_RUN=%s N_AT=%s NH_T=(%s) NH_R=(%s) NH_ON=(%s) B_RX=%s B_TX=%s\nM_ON=%s M_CID=%q M_DAY=%s M_MODE=%s M_LIMITB=%s M_END=%s M_SRX=%s M_STX=%s M_PRIOR=%s M_LAST=%s M_LP=%s M_G0=%s M_EP=%s M_AT=%s\nE_CUT=%s R_NEXT=%s R_SEQ=%s R_INT=%s\n' \
    "$N_RUN" "$N_AT" "${NH_T[*]}" "${NH_R[*]}" "${NH_ON[*]}" "$B_RX" "$B_TX" "$M_ON" "${M_CID:-}" "$M_DAY" "$M_MODE" "$M_LIMITB" "$M_END" "$M_SRX" "$M_STX" "$M_PRIOR" "$M_LAST" "$M_LP" "$M_G0" "$M_EP" "$M_AT" \
    "$E_CUT" "$R_NEXT" "$R_SEQ" "$R_INT" || :
}

# ---- the TrafficMonitor (traffic.go) ------------------------------------------------------------
used_of() { # used_of RX TX → USED: computeUsedLocked (per-direction deltas clamped at 0, combined per the mode, + the prior floor)
  local dr=$(($1 > M_SRX ? $1 - M_SRX : 0)) dt=$(($2 > M_STX ? $2 - M_STX : 0))
  if [ "$M_MODE" = sum ]; then USED=$((dr + dt + M_PRIOR)); else USED=$(((dr > dt ? dr : dt) + M_PRIOR)); fi
}
state_save() { # saveTrafficState: json.Marshal field order, no spaces, no newline; temp file + rename
  printf '{"billing_cycle_end_at":%s,"cycle_start_rx":%s,"cycle_start_tx":%s,"prior_used_bytes":%s,"last_used_bytes":%s}' \
    "$M_END" "$M_SRX" "$M_STX" "$M_PRIOR" "$M_LAST" 2> /dev/null > "$CFG/traffic.state.tmp" && mv -f "$CFG/traffic.state.tmp" "$CFG/traffic.state"
}
state_load() { # loadTrafficState → ST_END ST_SRX ST_STX ST_PRIOR ST_LAST (a missing or corrupt file is the zero state)
  ST_END=0 ST_SRX=0 ST_STX=0 ST_PRIOR=0 ST_LAST=0
  local s="" k
  [ -r "$CFG/traffic.state" ] && IFS= read -r -d '' s < "$CFG/traffic.state"
  [[ $s =~ ^[[:space:]]*\{.*\}[[:space:]]*$ ]] || return 0
  for k in billing_cycle_end_at:ST_END cycle_start_rx:ST_SRX cycle_start_tx:ST_STX prior_used_bytes:ST_PRIOR last_used_bytes:ST_LAST; do
    [[ $s =~ \"${k%%:*}\"[[:space:]]*:[[:space:]]*([0-9]{1,19})[[:space:]]*[,}] ]] && printf -v "${k#*:}" '%s' "$((10#${BASH_REMATCH[1]}))"
  done
}
fold_check() { # fold_check T — foldCounterResetLocked: NIC counters below the baseline (a VM reboot) → the last usage becomes the floor
  ((RX >= M_SRX && TX >= M_STX)) && return 0
  $MLOG WARN "NIC counter reset detected (VM reboot?) — folding last known usage into baseline" "component=traffic rx=$RX tx=$TX cycleStartRx=$M_SRX cycleStartTx=$M_STX foldedUsedBytes=$M_LAST"
  M_PRIOR=$M_LAST M_SRX=$RX M_STX=$TX
  state_save; M_LP=$(($1 + 1))
}
tm_new() { # tm_new BILLDATE LIMITGB USEDGB MODE T — NewTrafficMonitor (after the date check): the mode, the NIC, the cycle end,
  # the baseline decision (restore | SEED | anchor), its lines through $MLOG. Sets M_*; returns 1 on a bad date (PB_ERR).
  local bill=$1 limit=$2 usedgb=$3 t=$5
  parse_bill "$bill" || return 1
  M_DAY=$PB_DAY
  norm_mode "$4"; M_MODE=$MODE
  if [ "$UNKNOWN" = 1 ]; then gq "$4"; $MLOG ERROR "Unknown traffic billing mode — falling back to fail-closed 'sum'" "component=traffic configured=$GQ"; fi
  M_LIMITB=$((limit * GIB)) M_PRIOR=0 M_LAST=0 M_LP=0
  nic_at "$t"
  $MLOG INFO "Detected primary interface" "component=traffic interface=ens5 totalBytes=$((RX + TX))"
  cycle_end "$M_DAY" $((t + CLOCK_OFFSET_MS)); M_END=$CEND
  state_load
  if [ "$ST_END" = "$M_END" ] && ((ST_SRX > 0 || ST_STX > 0 || ST_PRIOR > 0)); then
    M_SRX=$ST_SRX M_STX=$ST_STX M_PRIOR=$ST_PRIOR M_LAST=$ST_LAST
    $MLOG INFO "Traffic cycle baseline restored from state" "component=traffic cycleStartRx=$M_SRX cycleStartTx=$M_STX priorUsedBytes=$M_PRIOR"
    fold_check "$t"
  elif [ "$ST_END" = 0 ] && ((usedgb > 0)); then
    M_PRIOR=$((usedgb * GIB)) M_SRX=$RX M_STX=$TX; M_LAST=$M_PRIOR
    state_save
    $MLOG INFO "Traffic baseline SEEDED from initialUsedGB (first boot)" "component=traffic initialUsedGB=$usedgb cycleStartRx=$M_SRX cycleStartTx=$M_STX"
  else
    M_SRX=$RX M_STX=$TX
    state_save
  fi
  $MLOG INFO "Traffic monitor initialized" "component=traffic interface=ens5 billingDate=$bill limitGB=$limit billingMode=$M_MODE rx=$RX tx=$TX"
}
stats_at() { # stats_at T — GetTrafficStats at T: the cycle rollover, the reset fold, usage (USED, M_LAST), the rate-limited persist
  local t=$1 w=$(($1 + CLOCK_OFFSET_MS))
  if ((w / 1000 > M_END)); then
    # checkAndResetCycle: the new cycle starts at the live counters, the seed never carries over
    nic_at "$t"
    local old=$M_END
    M_SRX=$RX M_STX=$TX M_PRIOR=0 M_LAST=0
    cycle_end "$M_DAY" "$w"; M_END=$CEND
    state_save
    ymd "$old"; local o=$YMD; ymd "$M_END"
    slog_at "$w" INFO "Billing cycle reset" "component=traffic oldEnd=$o newEnd=$YMD cycleStartRx=$RX cycleStartTx=$TX"
  fi
  nic_at "$t"
  fold_check "$t"
  used_of "$RX" "$TX"; M_LAST=$USED
  # trafficStatePersistInterval: at most once a (scaled) minute since the last persist
  if ((M_LP == 0 || t - M_LP >= 60000 / TIME_SCALE)); then state_save; M_LP=$((t + 1)); fi
  return 0
}

# ---- the cutoff enforcer (enforcer.go, cutoff_state.go): container "k2s" only ---------------------
cutoff_load() { # loadCutoffState → E_CUT (a missing or corrupt file: not cut)
  local s=""; E_CUT=0
  [ -r "$CFG/cutoff.state" ] && IFS= read -r -d '' s < "$CFG/cutoff.state"
  [[ $s =~ ^[[:space:]]*\{.*\"cut\"[[:space:]]*:[[:space:]]*true[[:space:]]*[,}] ]] && E_CUT=1
  return 0
}
cutoff_save() { # saveCutoffState: {"epoch_id":0,"cut":B}, temp file + rename
  printf '{"epoch_id":0,"cut":%s}' "$1" 2> /dev/null > "$CFG/cutoff.state.tmp" && mv -f "$CFG/cutoff.state.tmp" "$CFG/cutoff.state"
}
enforce_at() { # enforce_at T — reconcileOnce at poll T (after stats_at T): the desired cut, k2s driven toward it, a change persisted
  local t=$1 w=$(($1 + CLOCK_OFFSET_MS)) desired=0 changed s=${C_STATE[k2s]:-}
  ((M_LIMITB > 0 && USED >= M_LIMITB - CUT_RESERVE)) && desired=1
  changed=$((desired != E_CUT)); E_CUT=$desired
  if [ -n "$s" ]; then
    if ((desired)) && [ "$s" != paused ]; then
      if [ "$s" = running ]; then
        NIC_T=$t cupd k2s '.state = "paused"'; C_STATE[k2s]=paused; nic_flag
        slog_at "$w" WARN "DIAG: cutoff-paused" "component=cutoff container=k2s usedBytes=$USED"
      else
        # Docker refuses to pause a container that is not running (every poll, until it runs or the cut ends)
        local id=${C_ID[k2s]:-}; [ -n "$id" ] || { id=$(printf '%s%s' k2s "${C_CREATED[k2s]:-}" | sha256sum); id=${id%% *}; } # the container's full ID
        slog_at "$w" ERROR "DIAG: cutoff-pause-fail" "component=cutoff container=k2s err=\"Error response from daemon: container $id is not running\""
      fi
    elif ((!desired)) && [ "$s" = paused ]; then
      NIC_T=$t cupd k2s '.state = "running"'; C_STATE[k2s]=running; nic_flag
      slog_at "$w" INFO "DIAG: cutoff-unpaused" "component=cutoff container=k2s"
    fi
  fi
  if ((changed)); then if ((desired)); then cutoff_save true; else cutoff_save false; fi; fi
  return 0
}
poll_after() { # poll_after X → POLL: the first enforcer poll after X (polls at M_G0 + k·M_EP)
  if (($1 < M_G0)); then POLL=$M_G0; else POLL=$((M_G0 + (($1 - M_G0) / M_EP + 1) * M_EP)); fi
}
poll_from() { # poll_from X → POLL: the first poll at or after X
  if (($1 <= M_G0)); then POLL=$M_G0; else POLL=$((M_G0 + (($1 - M_G0 + M_EP - 1) / M_EP) * M_EP)); fi
}
next_poll() { # next_poll T → PE: the next poll in (M_AT, T] that does more than refresh M_LAST (0 = none)
  local T=$1 p1 last cand thr s desired pr pp lo hi mid
  PE=0
  poll_after "$M_AT"; p1=$POLL
  ((p1 <= T)) || return 0
  last=$((M_G0 + (T - M_G0) / M_EP * M_EP))
  cand=$((T + 1))
  # the cycle rollover: the first poll whose wall-clock second is past the cycle end
  poll_from $(((M_END + 1) * 1000 - CLOCK_OFFSET_MS)); ((POLL < p1)) && POLL=$p1; ((POLL < cand)) && cand=$POLL
  # the enforcer: a change of the desired cut, or k2s not in the desired state
  thr=$((M_LIMITB - CUT_RESERVE)); s=${C_STATE[k2s]:-}
  nic_at "$p1"; used_of "$RX" "$TX"
  desired=0; ((M_LIMITB > 0 && USED >= thr)) && desired=1
  poll_after $((M_AT > N_AT ? M_AT : N_AT)); local pc=$POLL # after the last container change
  if ((desired != E_CUT)); then ((p1 < cand)) && cand=$p1
  elif ((desired)) && [ "$s" = running ]; then ((pc < cand)) && cand=$pc
  elif ((!desired)) && [ "$s" = paused ]; then ((pc < cand)) && cand=$pc
  elif ((desired)) && [ -n "$s" ] && [ "$s" != paused ]; then
    # a failing pause repeats every poll: the latest 12 (a scaled minute) are logged
    pr=$((last - 11 * M_EP)); ((pr < pc)) && pr=$pc; ((pr < cand)) && cand=$pr
  elif ((!desired && M_LIMITB > 0 && NIC_ON)); then
    # usage climbs: the first poll at or over the threshold (binary search over the polls up to T)
    nic_at "$last"; used_of "$RX" "$TX"
    if ((USED >= thr)); then
      lo=$(((p1 - M_G0) / M_EP)); hi=$(((last - M_G0) / M_EP))
      while ((lo < hi)); do
        mid=$(((lo + hi) / 2)); nic_at $((M_G0 + mid * M_EP)); used_of "$RX" "$TX"
        if ((USED >= thr)); then hi=$mid; else lo=$((mid + 1)); fi
      done
      pr=$((M_G0 + lo * M_EP)); ((pr < cand)) && cand=$pr
    fi
  fi
  # the reporter's next cycle bounds what follows
  local lim=$cand; ((R_NEXT > M_AT && R_NEXT < lim)) && lim=$R_NEXT
  # the persist: due a scaled minute after the last one; of a run of persists with nothing between, only the last shows
  poll_from $((M_LP + 60000 / TIME_SCALE)); pp=$POLL; ((pp < p1)) && pp=$p1
  if ((pp < lim && pp <= T)); then
    local stride=$(((60000 / TIME_SCALE + 1 + M_EP - 1) / M_EP * M_EP)) top=$((lim - 1 < T ? lim - 1 : T))
    ((top >= pp + stride)) && pp=$((pp + (top - pp) / stride * stride))
    ((pp < cand)) && cand=$pp
  fi
  ((cand <= T)) && PE=$cand
  return 0
}

# ---- the usage reporter (usage_reporter.go) -------------------------------------------------------
post_usage() { # post_usage BODY → EL (ms taken), PERR (the error as Go words it, "" = ok), NEXT_S, AUTH
  local body=$1 center secret url resp code rc t0 t1 m host port
  center=${C_ENV[k2-sidecar|K2_CENTER_URL]:-https://k2.52j.me}; secret=${C_ENV[k2-sidecar|K2_NODE_SECRET]:-}
  url="$center/slave/usage"
  PERR="" NEXT_S=0 AUTH=0
  mono; t0=$MONO
  # Basic ipv4:secret: curl reads the credentials as config on stdin (the secret is never in an argument list);
  # the ipv4 is the sidecar process's own (_sidecar.sh PIP), kept while the machine's address changes
  resp=$(printf 'user = "%s:%s"\n' "${PIP:-$IP}" "$secret" | curl -s -m $(((CENTER_TIMEOUT_MS + 999) / 1000)) -K - -H 'Content-Type: application/json' \
    --data-binary "$body" -w '\n%{http_code} %{exitcode}' "$url" 2>/dev/null)
  mono; t1=$MONO; EL=$((t1 - t0))
  m=${resp##*$'\n'}; resp=${resp%$'\n'*}; code=${m%% *}; rc=${m#* }
  if [ "$rc" != 0 ]; then
    # Go's *url.Error: Post "<url>": <cause>
    host=${url#*://}; host=${host%%/*}; port=${host##*:}
    [ "$port" = "$host" ] && { port=80; [[ $url == https:* ]] && port=443; host="$host:$port"; }
    case "$rc" in
      6) m="dial tcp: lookup ${host%:*} on 127.0.0.11:53: no such host" ;;
      7) m="dial tcp $host: connect: connection refused" ;;
      28) m="context deadline exceeded (Client.Timeout exceeded while awaiting headers)" ;;
      52) m="EOF" ;;
      *) m="curl exit $rc" ;;
    esac
    PERR="POST center: Post \"$url\": $m"; return 0
  fi
  ((code >= 300)) && { PERR="center HTTP $code"; return 0; }
  if [[ $resp =~ ^\{\"code\":0,\"data\":\{ ]]; then
    # the Center simulator's ok() envelope
    [[ $resp =~ \"next_report_interval\":([0-9]+) ]] && NEXT_S=${BASH_REMATCH[1]}
    [[ $resp =~ \"authoritative_used_bytes\":([0-9]+) ]] && AUTH=${BASH_REMATCH[1]}
    return 0
  fi
  local t=${resp#"${resp%%[![:space:]]*}"}
  if [ -z "$t" ]; then PERR="decode center envelope: EOF"; return 0; fi
  case "${t:0:1}" in
    '{') ;;
    '['|'"'|[0-9]|-|t|f|n) PERR="decode center envelope: json: cannot unmarshal into Go value of type sidecar.usageEnvelope"; return 0 ;;
    *) PERR="decode center envelope: invalid character '${t:0:1}' looking for beginning of value"; return 0 ;;
  esac
  local env
  env=$(printf '%s' "$t" | jq -r 'if type != "object" then "bad" else "\(.code // 0 | floor) \(.data != null) \(.data.next_report_interval // 0 | floor) \(.data.authoritative_used_bytes // 0 | floor) \(.message // "")" end' 2>/dev/null | head -n 1)
  [ -n "$env" ] && [ "$env" != bad ] || { PERR="decode center envelope: invalid JSON"; return 0; }
  local c d msg; read -r c d NEXT_S AUTH msg <<< "$env"
  if [ "$c" != 0 ] || [ "$d" != true ]; then PERR="center usage failed: code=$c message=$msg"; NEXT_S=0; AUTH=0; fi
  return 0
}
report_at() { # report_at T — one reporter cycle (runOnce) at T: stats, the POST, its DIAG line, the next cycle's time
  local t=$1 used end limitb te w body
  stats_at "$t"
  used=$USED end=$M_END limitb=$M_LIMITB
  printf -v body '{"epoch_id":%s,"cumulative_bytes":%s,"quota_total_bytes":%s,"seq":%s,"ts":%s}' "$end" "$used" "$limitb" "$R_SEQ" $(((t + CLOCK_OFFSET_MS) / 1000))
  post_usage "$body"
  te=$((t + EL)); w=$((te + CLOCK_OFFSET_MS)); RT_END=$te
  if [ -n "$PERR" ]; then
    gq "$PERR"
    slog_at "$w" WARN "DIAG: usage-reporter-cycle-fail" "component=usage used=$used limit=$limitb err=$GQ"
    R_INT=$((30000 / TIME_SCALE)); R_NEXT=$((te + R_INT)); REPORT_FAILED=1
    return 0
  fi
  slog_at "$w" INFO "DIAG: usage-reporter-cycle-ok" "component=usage epoch=$end cumulative=$used quotaTotal=$limitb"
  R_SEQ=$((R_SEQ + 1))
  if ((AUTH > used)); then adopt_at "$te" "$AUTH" "$end" "$used"; fi
  ((NEXT_S < 10)) && NEXT_S=60
  R_INT=$((NEXT_S * 1000 / TIME_SCALE)); R_NEXT=$((te + R_INT))
}
adopt_at() { # adopt_at T AUTH EPOCH SELF — AdoptAuthoritativeUsed: a one-way ratchet of the meter to Center's provider figure
  local t=$1 auth=$2 w=$(($1 + CLOCK_OFFSET_MS))
  [ "$3" = "$M_END" ] || return 0
  nic_at "$t"; fold_check "$t"; used_of "$RX" "$TX"
  ((auth <= USED)) && return 0
  M_PRIOR=$auth M_SRX=$RX M_STX=$TX M_LAST=$auth
  state_save; M_LP=$((t + 1))
  slog_at "$w" WARN "Adopted provider-authoritative usage (local meter was lower)" "component=traffic authoritativeBytes=$auth"
  slog_at "$w" WARN "DIAG: usage-reporter-adopted-authoritative" "component=usage authoritative=$auth selfReported=$4"
}

# ---- the sidecar's meter goroutines -----------------------------------------------------------------
meter_run() { # meter_run T — the running sidecar's meter events in (M_AT, T], in time order (EVENTS: how many)
  local T=$1 n guard=0
  EVENTS=0
  ((T > M_AT)) || return 0
  ((R_NEXT > M_AT)) || R_NEXT=$((M_AT + 1)) # (never left behind: a cycle due is run)
  # the reporter's bounded catch-up: cycles due more than 3 back are not run (no line, no POST)
  if ((R_NEXT > M_AT && R_NEXT <= T && R_INT > 0)); then
    n=$(((T - R_NEXT) / R_INT + 1)); ((n > 3)) && R_NEXT=$((R_NEXT + (n - 3) * R_INT))
  fi
  REPORT_FAILED=0 EVENTS=0
  while ((guard++ < 200)); do
    # after a failed POST the retries that fell due meanwhile are not run in this catch-up
    ((REPORT_FAILED && R_NEXT <= T)) && R_NEXT=$((R_NEXT + ((T - R_NEXT) / R_INT + 1) * R_INT))
    next_poll "$T"
    if ((R_NEXT > M_AT && R_NEXT <= T && (PE == 0 || R_NEXT < PE))); then
      report_at "$R_NEXT"; M_AT=$RT_END # the cycle ends when its POST has returned
      ((EVENTS++)); continue
    fi
    ((PE > 0)) || break
    stats_at "$PE"; enforce_at "$PE"; M_AT=$PE
    ((EVENTS++))
  done
  # nothing happened: M_AT stays (re-reading the same quiet stretch next time gives the same answer) and meter.sh is not rewritten
  ((EVENTS == 0)) || ((M_AT > T)) || M_AT=$T
  return 0
}
meter_tick() { # meter_tick NOW LOOP — the reporter and the enforcer catch up to NOW (called on every shim invocation)
  local now=$1 loop=$2
  meter_load
  if [ "$M_ON" = 1 ]; then
    # the process is gone (stopped, looping, or another container: a recreation that started without metering), its meter too
    if [ "${C_STATE[k2-sidecar]:-}" != running ] || [ -n "$loop" ] || [ "${C_ID[k2-sidecar]:-}" != "${M_CID:-}" ]; then M_ON=0; meter_save; return 0; fi
    nic_flag
    METER_BUSY=1; meter_run $((now - CLOCK_OFFSET_MS)); METER_BUSY=0
    ((EVENTS == 0)) || meter_save
  elif [ "$M_FRESH" = 1 ] && [ "${C_STATE[k2-sidecar]:-}" = running ] && [ -z "$loop" ] && [ -n "${C_BILL[k2-sidecar]:-}" ]; then
    meter_resume $((now - CLOCK_OFFSET_MS))
  fi
  return 0
}
meter_resume() { # meter_resume T — a sidecar that ran before meter.sh existed (an older state dir): its meter state, silently
  local t=$1 limit
  METER_BUSY=1; nic_flag; nic_advance "$t"
  int_env "${C_LIMIT[k2-sidecar]:-0}"; limit=$INT
  MLOG=: tm_new "${C_BILL[k2-sidecar]}" "$limit" 0 "${C_ENV[k2-sidecar|K2_NODE_TRAFFIC_BILLING_MODE]:-}" "$t" || { METER_BUSY=0; meter_save; return 0; }
  go_dur "${C_ENV[k2-sidecar|K2_CUTOFF_POLL_INTERVAL]:-5s}"
  M_G0=$t M_EP=$(((DUR_MS + TIME_SCALE - 1) / TIME_SCALE)) M_AT=$t M_LP=$((t + 1)) R_NEXT=$((t + 1)) R_SEQ=0 R_INT=$((60000 / TIME_SCALE)) M_ON=1 M_CID=${C_ID[k2-sidecar]:-}
  cutoff_load
  METER_BUSY=0; meter_save
}

initial_state() { # initial_state BILLDATE MODE T — traffic.state as a run long ago left it: the cycle's baseline at STATE_RX0/TX0 (node.env)
  local M_DAY M_MODE M_END M_SRX=$STATE_RX0 M_STX=$STATE_TX0 M_PRIOR=0 M_LAST
  parse_bill "$1" || return 0
  M_DAY=$PB_DAY; norm_mode "$2"; M_MODE=$MODE
  cycle_end "$M_DAY" $(($3 + CLOCK_OFFSET_MS)); M_END=$CEND
  nic_at "$3"; used_of "$RX" "$TX"; M_LAST=$USED
  state_save
}
meter_boot() { # meter_boot BILLDATE LIMITGB MODE CENTER NOW — NewCollector (the TrafficMonitor) + the enforcer and reporter start (main.go Start, step 4)
  local bill=$1 limit=$2 mode=$3 center=$4 t usedgb
  load
  meter_load; METER_BUSY=1
  mono; t=$MONO
  nic_flag; nic_advance "$t"
  M_ON=0
  if [ -z "$bill" ]; then
    slog INFO "Traffic monitoring disabled (no billing date configured)" "component=collector"
    slog INFO "Starting metrics collection loop" "component=metrics"
    slog WARN "Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped" "component=sidecar"
    slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
    METER_BUSY=0; meter_save; return 0
  fi
  int_env "$limit"; limit=$INT
  int_env "${C_ENV[k2-sidecar|K2_NODE_TRAFFIC_USED_GB]:-0}"; usedgb=$INT
  # the simulator's own first up stands for a node provisioned long ago: its state was persisted before
  [ -n "${K2SIM_PROVISIONED_LONG_AGO:-}" ] && [ ! -e "$CFG/traffic.state" ] && initial_state "$bill" "$mode" "$t"
  if ! MLOG=slog tm_new "$bill" "$limit" "$usedgb" "$mode" "$t"; then
    gq "invalid billingStartDate format, expected yyyy-MM-dd: $PB_ERR"
    slog WARN "Failed to initialize traffic monitor" "component=collector err=$GQ"
    slog INFO "Starting metrics collection loop" "component=metrics"
    slog WARN "Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped" "component=sidecar"
    slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
    METER_BUSY=0; meter_save; return 0
  fi
  slog INFO "Traffic monitoring enabled" "component=collector"
  slog INFO "Starting metrics collection loop" "component=metrics"
  # the enforcer: loads cutoff.state (a restart re-applies a cut at once), first reconcile immediately, then every poll
  cutoff_load
  go_dur "${C_ENV[k2-sidecar|K2_CUTOFF_POLL_INTERVAL]:-5s}"
  slog INFO "Traffic cutoff enforcer started (all-node)" "component=sidecar"
  slog INFO "DIAG: cutoff-enforcer-start" "component=cutoff interval=$DUR_S containers=[k2s]"
  mono; t=$MONO
  M_G0=$t M_EP=$(((DUR_MS + TIME_SCALE - 1) / TIME_SCALE)) M_AT=$t
  nic_flag; stats_at "$t"; enforce_at "$t"
  # the reporter: its first cycle at once
  slog INFO "Usage reporter started (all-node)" "component=sidecar ipv4=${PIP:-$IP}"
  slog INFO "Service started successfully, waiting for shutdown signal..." "component=sidecar"
  slog INFO "DIAG: usage-reporter-start" "component=usage center=$center ipv4=${PIP:-$IP}"
  R_SEQ=0 R_INT=$((60000 / TIME_SCALE))
  mono; t=$MONO; ((t > M_AT)) || t=$((M_AT + 1))
  report_at "$t"; M_AT=$RT_END
  M_ON=1 M_CID=${C_ID[k2-sidecar]:-} # this container's process runs the meter
  METER_BUSY=0; meter_save
  return 0
}

elog() { # elog LEVEL MSG [ATTRS] — an slog line on the calling process's stderr (the set-usage subcommand)
  printf 'time=%s level=%s msg="%s"%s\n' "$(ts)" "$1" "$2" "${3:+ $3}" >&2
}
meter_set_usage() { # meter_set_usage GB — `k2-sidecar -c <cfg> set-usage <GB>` (main.go: config.GetConfig, then runSetUsage)
  local gb=$1 bill limit mode region hop
  # a separate process: its own TrafficMonitor, the running sidecar's memory untouched
  local M_DAY M_MODE M_LIMITB M_END M_SRX M_STX M_PRIOR M_LAST M_LP
  [ "$gb" = set-usage ] && gb="" # no argument: flag.Arg(1) is ""
  load
  local -n E=C_ENV
  bill=${E[k2-sidecar|K2_NODE_BILLING_START_DATE]:-}; limit=${E[k2-sidecar|K2_NODE_TRAFFIC_LIMIT_GB]:-0}; mode=${E[k2-sidecar|K2_NODE_TRAFFIC_BILLING_MODE]:-}
  # config.GetConfig's lines (config/config.go loadConfig; the same as the sidecar's start)
  elog INFO "Starting k2-sidecar v5.0 (unified config, batch registration)" "component=sidecar"
  elog INFO "Loading config file" "component=config path=/tmp/sidecar-config.yaml"
  int_env "${E[k2-sidecar|K2_JUMP_PORT_MIN]:-40000}"; hop=$INT; ((hop > 0)) && elog INFO "Read hop_port_start from env" "component=config port=$hop"
  int_env "${E[k2-sidecar|K2_JUMP_PORT_MAX]:-40019}"; hop=$INT; ((hop > 0)) && elog INFO "Read hop_port_end from env" "component=config port=$hop"
  gq "${E[k2-sidecar|K2_IP_TYPE]:-unknown}"; elog INFO "Read ip_type from env" "component=config ip_type=$GQ"
  elog INFO "Detecting missing network info..." "component=config"
  if [ "$NET_BROKEN" = 1 ]; then
    elog ERROR "Failed to get IPv4 address (K2 mode requires IPv4)" 'component=config err="all ipv4 services failed: Get \"https://ipwhois.app/json/\": dial tcp4: lookup ipwhois.app: i/o timeout"'
    return 1
  fi
  elog INFO "Auto-detected IPv4" "component=config ipv4=$IP"
  region=${E[k2-sidecar|K2_NODE_REGION]:-}
  if [ -n "$region" ]; then gq "$region"; elog INFO "Using configured region" "component=config region=$GQ"
  else region=${REGION%%.*}; region=${region,,}; region=${region// /-}; gq "$region"; elog INFO "Auto-generated region" "component=config region=$GQ"; fi
  elog INFO "Auto-generated tunnel domain" "component=config domain=$DOMAIN"
  # country: the struct default, never replaced by the geo lookup's (a quirk of loadConfig)
  elog INFO "Config loaded" "component=config ipv4=$IP country=US region=$GQ tunnelPort=443 k2Enabled=true tunnelDomain=$DOMAIN"
  [ -n "$bill" ] || { elog ERROR "set-usage requires K2_NODE_BILLING_START_DATE (billing_start_date)" "component=sidecar"; return 1; }
  # strconv.ParseInt(arg, 10, 64), then >= 0
  local digits=${gb#[+-]}; digits=${digits#"${digits%%[!0]*}"}
  if ! [[ $gb =~ ^[+-]?[0-9]+$ ]] || { [[ $gb == -* ]] && [ -n "$digits" ]; } || ((${#digits} > 19)) || { ((${#digits} == 19)) && [[ $digits > 9223372036854775807 ]]; }; then
    gq "$gb"; elog ERROR "set-usage needs a non-negative integer GB. Usage: k2-sidecar -c <cfg> set-usage <GB>" "component=sidecar arg=$GQ"; return 1
  fi
  gb=$((10#${digits:-0}))
  int_env "$limit"; limit=$INT
  mono; local t=$MONO
  nic_flag
  if ! MLOG=elog tm_new "$bill" "$limit" 0 "$mode" "$t"; then
    gq "invalid billingStartDate format, expected yyyy-MM-dd: $PB_ERR"
    elog ERROR "set-usage: failed to init traffic monitor" "component=sidecar err=$GQ"; return 1
  fi
  # SetUsage: the prior-used floor, anchored at the live counters
  nic_at "$t"
  M_PRIOR=$((gb * GIB)) M_SRX=$RX M_STX=$TX; M_LAST=$M_PRIOR
  state_save
  elog INFO "Traffic usage set" "component=traffic usedGB=$gb cycleStartRx=$M_SRX cycleStartTx=$M_STX"
  elog INFO "set-usage applied — RESTART the sidecar to load it (docker compose restart k2-sidecar)" "component=sidecar usedGB=$gb"
}
