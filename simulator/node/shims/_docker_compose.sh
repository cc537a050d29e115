# shellcheck shell=bash
# Part of the docker shim (sourced by it when a command needs it: each shim call parses only what it runs).
# ---- docker compose ----
project_dir() { # compose reads ./docker-compose.yml
  [ -f "$PWD/docker-compose.yml" ] || [ -f "$PWD/compose.yml" ] || { echo "no configuration file provided: not found" >&2; exit 1; }
  COMPOSE_DIR=$PWD
  COMPOSE_FILE="$COMPOSE_DIR/docker-compose.yml"; [ -f "$COMPOSE_FILE" ] || COMPOSE_FILE="$COMPOSE_DIR/compose.yml"
  local l w
  # every compose command reads .env first (compose-go dotenv): its warnings, or its error and nothing else
  if [ -f "$COMPOSE_DIR/.env" ] && [ -r "$COMPOSE_DIR/.env" ]; then
    dotenv_parse "$COMPOSE_DIR/.env"; l=$?
    for w in "${DOTENV_WARN[@]}"; do echo "WARN[0000] The \"$w\" variable is not set. Defaulting to a blank string." >&2; done
    [ "$l" = 0 ] || { echo "failed to read $COMPOSE_DIR/.env: $DOTENV_ERR" >&2; exit 1; }
  fi
  # then the compose file, interpolated with the environment and .env (a `${VAR}` without default warns per use)
  compose_load "$COMPOSE_FILE"; l=$?
  for w in "${CP_WARN[@]}"; do echo "WARN[0000] The \"$w\" variable is not set. Defaulting to a blank string." >&2; done
  [ "$l" = 0 ] || { echo "$CP_ERR" >&2; exit 1; }
  PROJECT=$CP_NAME
  [ -n "$PROJECT" ] || { PROJECT=${COMPOSE_DIR##*/}; PROJECT=${PROJECT,,}; PROJECT=${PROJECT//[^a-z0-9_-]/}; }
  compose_default_names "$PROJECT"
}
compose_members_r() { # → MEMBERS: the project's containers
  local n; MEMBERS=(); for n in "${NAMES[@]}"; do [ "${C_PROJ[$n]}" = "$PROJECT" ] && MEMBERS+=("$n"); done; return 0
}
compose_members() { local n; for n in "${NAMES[@]}"; do [ "${C_PROJ[$n]}" = "$PROJECT" ] && echo "$n"; done; }
compose_version() { # the node's Compose (node fact COMPOSE_VERSION, or the compose-version fault)
  if [ -s "$K2SIM/faults/compose-version" ]; then cat "$K2SIM/faults/compose-version"; else echo "${COMPOSE_VERSION:-2.36.2}"; fi
}
compose_minor_r() { # → REPLY: the minor version (99 when it is no 2.x)
  local v=${COMPOSE_VERSION:-2.36.2}
  [ -s "$K2SIM/faults/compose-version" ] && v=$(< "$K2SIM/faults/compose-version")
  if [[ $v =~ ^2\.([0-9]+)\. ]]; then REPLY=${BASH_REMATCH[1]}; else REPLY=99; fi
}
compose_minor() { compose_minor_r; echo "$REPLY"; }
compose_old() { # Compose before 2.21 [inferred from compose history]: `ps` table NAME COMMAND SERVICE STATUS PORTS, `--format json` = ONE array
  compose_minor_r; [ "$REPLY" -lt 21 ]
}
publishers_json_r() { # publishers_json → REPLY, in bash: the ports a container publishes come in one layout, already in
  # sort_by(URL, TargetPort, PublishedPort, Protocol) order per address family; anything else goes through jq
  ports_of_r "$1"
  [ -n "$REPLY" ] || { REPLY=null; return; }
  local e es=() out4="" out6="" url pp tp proto o k last4="" last6=""
  IFS=$'\n' read -r -d '' -a es <<< "${REPLY//, /$'\n'}"
  for e in "${es[@]}"; do
    if [[ $e =~ ^\[(.*)\]:([0-9]+)-\>([0-9]+)/(.*)$ ]] || [[ $e =~ ^([0-9.]+):([0-9]+)-\>([0-9]+)/(.*)$ ]]; then
      url=${BASH_REMATCH[1]} pp=${BASH_REMATCH[2]} tp=${BASH_REMATCH[3]} proto=${BASH_REMATCH[4]}
      o="{\"URL\":\"$url\",\"TargetPort\":$tp,\"PublishedPort\":$pp,\"Protocol\":\"$proto\"}"
      printf -v k '%010d %010d %s' "$tp" "$pp" "$proto"
      if [ "$url" = 0.0.0.0 ] && [[ ! $k < $last4 ]]; then out4+=${out4:+,}$o; last4=$k
      elif [ "$url" = :: ] && [[ ! $k < $last6 ]]; then out6+=${out6:+,}$o; last6=$k
      else REPLY=$(publishers_json "$1"); return; fi
    else REPLY=$(publishers_json "$1"); return; fi
  done
  REPLY="[$out4${out4:+${out6:+,}}$out6]"
}
publishers_json() { # the Docker API's port list as Compose's Publishers (sorted: URL, TargetPort, PublishedPort, Protocol), null without ports
  local ports; ports=$(ports_of "$1")
  [ -n "$ports" ] || { echo null; return; }
  printf '%s\n' "${ports//, /$'\n'}" | sed -E 's/^\[(.*)\]:([0-9]+)->([0-9]+)\/(.*)$/\1 \2 \3 \4/; s/^([0-9.]+):([0-9]+)->([0-9]+)\/(.*)$/\1 \2 \3 \4/' |
    jq -Rsc '[split("\n")[] | select(length > 0) | split(" ") | {URL: .[0], TargetPort: (.[2] | tonumber), PublishedPort: (.[1] | tonumber), Protocol: .[3]}] | sort_by(.URL, .TargetPort, .PublishedPort, .Protocol)'
}
compose_ps() {
  local all=0 fmt="" status="" a
  while [ $# -gt 0 ]; do case "$1" in -a|--all) all=1 ;; --format) fmt=$2; shift ;; --format=*) fmt=${1#--format=} ;; --status) status=$2; shift ;; --status=*) status=${1#--status=} ;; esac; shift; done
  local rows=() objs=() n st h old=0 members=()
  compose_old && old=1
  compose_members_r; members=("${MEMBERS[@]}")
  for n in "${members[@]}"; do
    eff_state_r "$n"; st=$REPLY
    [ -n "$status" ] && [ "$st" != "$status" ] && continue
    [ "$all" = 0 ] && [ -z "$status" ] && ! visible "$n" && continue
    if [ -n "${C_LOOP[$n]}" ]; then h=starting; else h=${C_HEALTH[$n]}; fi
    if [ "$fmt" = json ] && [ "$old" = 1 ]; then
      # api.ContainerSummary marshalled as is: struct field order, full ID, command unquoted, no Status
      objs+=("$(jq -cn --arg id "$(full_id "$n")" --arg n "$n" --arg c "$(cmd_of "$n" | tr -d '"')" --arg p "$PROJECT" --arg s "$st" --arg h "$h" --argjson e "${C_EXIT[$n]}" --argjson pub "$(publishers_json "$n")" \
        '{ID: $id, Name: $n, Command: $c, Project: $p, Service: $n, State: $s, Health: $h, ExitCode: $e, Publishers: $pub}')")
    elif [ "$fmt" = json ]; then
      # one object per line, the CLI formatter's fields in key order (json.Marshal of a map): built here, no jq
      local cs=$(( C_CREATED[$n] / 1000 )) j v
      cmd_of_r "$n"; _dv_json "$REPLY"; j="{\"Command\":$REPLY"
      TZ=${TZ_NAME:-UTC} printf -v v '%(%Y-%m-%d %H:%M:%S %z %Z)T' "$cs"; _dv_json "$v"; j+=",\"CreatedAt\":$REPLY"
      j+=",\"ExitCode\":$(( C_EXIT[$n] ))"
      _dv_json "$h"; j+=",\"Health\":$REPLY"
      cid_r "$n"; _dv_json "$REPLY"; j+=",\"ID\":$REPLY"
      _dv_json "${C_IMG[$n]}"; j+=",\"Image\":$REPLY"
      _dv_json "com.docker.compose.project=$PROJECT,com.docker.compose.service=$n,com.docker.compose.project.working_dir=${C_DIR[$n]}"; j+=",\"Labels\":$REPLY"
      j+=',"LocalVolumes":"2","Mounts":""'
      _dv_json "$n"; j+=",\"Name\":$REPLY,\"Names\":$REPLY"
      _dv_json "${PROJECT}_k2-internal"; j+=",\"Networks\":$REPLY"
      ports_of_r "$n"; _dv_json "$REPLY"; j+=",\"Ports\":$REPLY"
      _dv_json "$PROJECT"; j+=",\"Project\":$REPLY"
      publishers_json_r "$n"; j+=",\"Publishers\":$REPLY"
      human_r $(( (NOW - C_CREATED[$n]) / 1000 )); _dv_json "$REPLY ago"; j+=",\"RunningFor\":$REPLY"
      _dv_json "$n"; j+=",\"Service\":$REPLY,\"Size\":\"0B\""
      _dv_json "$st"; j+=",\"State\":$REPLY"
      status_of_r "$n"; _dv_json "$REPLY"; j+=",\"Status\":$REPLY}"
      printf '%s\n' "$j"
    elif [ -n "$fmt" ]; then
      local o=$fmt; o=${o//\{\{.Name\}\}/$n}; o=${o//\{\{.Service\}\}/$n}; o=${o//\{\{.State\}\}/$st}
      [[ $o == *"{{.Status}}"* ]] && { status_of_r "$n"; o=${o//\{\{.Status\}\}/$REPLY}; }
      o=${o//\{\{.Image\}\}/${C_IMG[$n]}}; echo "$o"
    elif [ "$old" = 1 ]; then
      local ost=$st; [ -n "$h" ] && [ "$st" = running ] && ost="$st ($h)"; [ "$st" = exited ] && ost="exited (${C_EXIT[$n]})"
      local r_cmd; cmd_of_r "$n"; r_cmd=$REPLY; ports_of_r "$n"
      rows+=("$n"$'\t'"$r_cmd"$'\t'"$n"$'\t'"$ost"$'\t'"$REPLY")
    else
      local r_cmd r_age r_st; cmd_of_r "$n"; r_cmd=$REPLY; human_r $(( (NOW - C_CREATED[$n]) / 1000 )); r_age=$REPLY; status_of_r "$n"; r_st=$REPLY; ports_of_r "$n"
      rows+=("$n"$'\t'"${C_IMG[$n]}"$'\t'"$r_cmd"$'\t'"$n"$'\t'"$r_age ago"$'\t'"$r_st"$'\t'"$REPLY")
    fi
  done
  if [ "$fmt" = json ] && [ "$old" = 1 ]; then printf '%s\n' "${objs[@]}" | jq -sc '.'; return 0; fi
  [ -n "$fmt" ] && return 0
  if [ "$old" = 1 ]; then
    { printf 'NAME\tCOMMAND\tSERVICE\tSTATUS\tPORTS\n'; [ ${#rows[@]} -gt 0 ] && printf '%s\n' "${rows[@]}"; } | table 20
  else
    { printf 'NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS\n'; [ ${#rows[@]} -gt 0 ] && printf '%s\n' "${rows[@]}"; } | table
  fi
}

mounts_json() { # mounts_json SERVICE → the container's mounts ([{src, dst, ro}]) from the service's volumes
  local s=$1 spec src dst mode out="" sep=""
  while IFS= read -r spec; do
    [ -n "$spec" ] || continue
    IFS=: read -r src dst mode <<< "$spec"
    case "$src" in
      /*) ;;
      .|./*|..|../*) src=$COMPOSE_DIR/${src#./}; src=${src%/.} ;;
      *) src=$(vol_dir "${PROJECT}_$src") ;;
    esac
    _dv_json "$src"; out+="$sep{\"src\":$REPLY"; _dv_json "$dst"; out+=",\"dst\":$REPLY,\"ro\":$([ "$mode" = ro ] && echo true || echo false)}"; sep=,
  done <<< "${CP_VOLS[$s]:-}"
  echo "[$out]"
}
ctr_new() { # ctr_new SERVICE — the service's container (created, not started) from the loaded compose file
  local s=$1 c=${CP_CNAME[$1]} img=${CP_IMG[$1]}
  if [ "$c" = k2-sidecar ]; then
    vol_switch "$PROJECT" # the meter counts in this project's config volume from now on
    : > "$SLOG"
    # faults: a bad release (its sidecar never gets healthy, another tag's does); the next recreation ends unhealthy
    # one-shot: the recreation after it is healthy again (unless another fault says otherwise)
    if fault unhealthy-once; then rm -f "$K2SIM/faults/unhealthy-once" "$K2SIM/faults/unhealthy"; fi
    if [ -s "$K2SIM/faults/unhealthy-tag" ]; then
      if [ "${img##*:}" = "$(< "$K2SIM/faults/unhealthy-tag")" ]; then touch "$K2SIM/faults/unhealthy"; else rm -f "$K2SIM/faults/unhealthy"; fi
    fi
    if fault unhealthy-after-update; then touch "$K2SIM/faults/unhealthy" "$K2SIM/faults/unhealthy-once"; rm -f "$K2SIM/faults/unhealthy-after-update"; fi
  else
    rm -f "$K2SIM/$c.log"
  fi
  local conf; compose_conf_r "$s"; conf=$REPLY
  cnew "$c" "$img" "$(compose_env_json "$s")" "$COMPOSE_DIR" "$PROJECT" "$s" "$conf" "${I_ID[$img]:-}" "$(mounts_json "$s")"
}
ctr_start() { # ctr_start NAME — the container's process starts (entrypoint + what the image runs); status 1 = start refused
  local c=$1
  if [ "$c" = k2-sidecar ]; then
    cupd k2-sidecar '.state = "running"'; load
    sidecar_entrypoint
    sidecar_boot > /dev/null
  elif is_tunnel "$c"; then
    # a kept k2-slave orphan (host network) still holds port 443
    if [ "$c" = k2s ] && has k2-slave && [ "${C_STATE[k2-slave]}" = running ]; then
      echo "Error response from daemon: driver failed programming external connectivity on endpoint k2s ($(full_id k2s)): Bind for 0.0.0.0:443 failed: port is already allocated" >&2; return 1
    fi
    k2s_start "$c"
    tick # the enforcer re-pauses a (re)started k2s at once on a cut node
  else
    cupd "$c" '.state = "running" | .started = $now | .exitCode = 0'
  fi
  load
}
ctr_stop() { # ctr_stop NAME — SIGTERM: the sidecar unregisters; the container is exited
  local c=$1
  [ "$c" = k2-sidecar ] && sidecar_graceful_stop
  cupd "$c" '.state = "exited" | .exitCode = 0 | .loop = null'
  load
}
wait_dependency() { # wait_dependency CONTAINER CONDITION — compose's waitDependencies for one dependency
  local d=$1 cond=$2
  echo " Container $d  Waiting" >&2
  [ "$cond" = service_healthy ] || { echo " Container $d  Healthy" >&2; return 0; }
  load
  local st; st=$(eff_state "$d")
  if [ "$st" = exited ]; then echo " Container $d  Error" >&2; echo "dependency failed to start: container $d exited (${C_EXIT[$d]})" >&2; return 1; fi
  if [ "$d" != k2-sidecar ] && [ -z "${C_HEALTH[$d]}" ]; then echo " Container $d  Error" >&2; echo "dependency failed to start: container $d has no healthcheck configured" >&2; return 1; fi
  # a run that keeps failing never passes its health check (compose gives up once it is unhealthy)
  if [ -n "${C_LOOP[$d]}" ] || [ "${C_HEALTH[$d]}" = unhealthy ]; then
    echo " Container $d  Error" >&2; echo "dependency failed to start: container $d is unhealthy" >&2; return 1
  fi
  if [ "${C_HEALTH[$d]}" = starting ]; then
    local w=$(( C_HAT[$d] - $(nowms) )); [ "$w" -gt 0 ] && sleep "$(printf '%d.%03d' $((w / 1000)) $((w % 1000)))"
    cupd "$d" '.health = "healthy" | .healthyAt = 0'; load
  fi
  echo " Container $d  Healthy" >&2
}
compose_up() { # up -d [--remove-orphans] [--force-recreate] [--no-deps] [service...] (Compose v2: create, then start)
  local orphans=0 force=0 norecreate=0 nodeps=0 pullpol=missing quietpull=0 svcs=() s c a
  while [ $# -gt 0 ]; do
    case "$1" in
      --remove-orphans) orphans=1 ;; --force-recreate) force=1 ;; --no-recreate) norecreate=1 ;; --no-deps) nodeps=1 ;;
      --pull) pullpol=$2; shift ;; --pull=*) pullpol=${1#--pull=} ;; --quiet-pull) quietpull=1 ;;
      -t|--timeout|--wait-timeout|--scale) shift ;; -*) ;; *) svcs+=("$1") ;;
    esac; shift
  done
  for s in "${svcs[@]}"; do [[ " ${CP_SVCS[*]} " == *" $s "* ]] || { echo "no such service: $s" >&2; return 1; }; done
  local sel=()
  if [ ${#svcs[@]} -eq 0 ]; then sel=("${CP_SVCS[@]}"); elif [ "$nodeps" = 1 ]; then sel=("${svcs[@]}"); else mapfile -t sel < <(compose_with_deps "${svcs[@]}"); fi
  compose_order_r "${sel[@]}"; sel=("${ORDER[@]}")
  # 1. images: what is not local is pulled first (pull_policy missing); a tag the registry lacks fails here, nothing changed
  local pulls=()
  for s in "${sel[@]}"; do
    [ -n "${CP_IMG[$s]:-}" ] || continue
    if [ "$pullpol" = always ] || { [ "$pullpol" != never ] && ! image_local "${CP_IMG[$s]}"; }; then pulls+=("$s"); fi
  done
  if [ ${#pulls[@]} -gt 0 ]; then pull_services $((1 - quietpull)) "${pulls[@]}" || return 1; fi
  # 2. the project's network and named volumes
  local n; for n in ${CP_TOPNET:-default}; do
    n="${PROJECT}_$n"
    [[ " ${NETWORKS[*]} " == *" $n "* ]] && continue
    echo " Network $n  Creating" >&2; jq_state --arg n "$n" '.networks = ((.networks // []) + [$n] | unique)'; echo " Network $n  Created" >&2
  done
  for n in $CP_TOPVOL; do
    n="${PROJECT}_$n"
    [[ " ${VOLUMES[*]} " == *" $n "* ]] && continue
    echo " Volume \"$n\"  Creating" >&2; vol_create "$n"
    jq_state --arg n "$n" '.volumeNames = ((.volumeNames // ((.volumes // []) | map(. + "_config", . + "_k2v5-data"))) + [$n] | unique)'
    echo " Volume \"$n\"  Created" >&2
  done
  load
  # 3. orphans: containers of this project that the file no longer has (k2-oc, or k2-slave after the k2s rename)
  local orph=() known=" "
  for s in "${CP_SVCS[@]}"; do known+="${CP_CNAME[$s]} "; done
  compose_members_r; for c in "${MEMBERS[@]}"; do [[ $known == *" $c "* ]] || orph+=("$c"); done
  if [ ${#orph[@]} -gt 0 ]; then
    if [ "$orphans" = 1 ]; then
      for c in "${orph[@]}"; do echo " Container $c  Stopping" >&2; ctr_stop "$c"; echo " Container $c  Stopped" >&2; echo " Container $c  Removing" >&2; cdel "$c"; echo " Container $c  Removed" >&2; done
      load
    else echo "WARN[0000] Found orphan containers ([${orph[*]}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up." >&2; fi
  fi
  # 4. convergence, dependencies first: a service is recreated only when ITS resolved configuration changed
  local -A start=()
  for s in "${sel[@]}"; do
    c=${CP_CNAME[$s]}
    if has "$c" && [ "${C_PROJ[$c]}" != "$PROJECT" ]; then
      local m="Error response from daemon: Conflict. The container name \"/$c\" is already in use by container \"$(full_id "$c")\". You have to remove (or rename) that container to be able to reuse that name."
      echo " Container $c  Creating" >&2; echo " Container $c  $m" >&2; echo "$m" >&2; return 1
    fi
    if ! has "$c"; then
      echo " Container $c  Creating" >&2; ctr_new "$s"; echo " Container $c  Created" >&2; start[$s]=1; continue
    fi
    if [ "$force" = 1 ] || { [ "$norecreate" = 0 ] && { { compose_conf_r "$s"; [ "${C_CONF[$c]}" != "$REPLY" ]; } || [ "${C_IMGID[$c]}" != "${I_ID[${CP_IMG[$s]}]:-}" ]; }; }; then
      echo " Container $c  Recreate" >&2; ctr_stop "$c"; ctr_new "$s"; echo " Container $c  Recreated" >&2; start[$s]=1; continue
    fi
    case "$(eff_state "$c")" in
      running) echo " Container $c  Running" >&2 ;;
      exited) echo " Container $c  Created" >&2; start[$s]=1 ;;
      created) start[$s]=1 ;;
      restarting) ;;
      paused) echo " Container $c  Restart" >&2; echo "Error response from daemon: cannot start a paused container, try unpause instead" >&2; return 1 ;;
    esac
  done
  # 5. start, dependencies first: a dependent waits for its dependency's condition (k2s: the sidecar healthy)
  local dep d
  for s in "${sel[@]}"; do
    for dep in ${CP_DEPS[$s]:-}; do
      d=${dep%%:*}
      [ "${dep#*:}" = service_started ] && continue
      [[ " ${sel[*]} " == *" $d "* ]] || continue # not in this run (--no-deps): not waited for
      has "${CP_CNAME[$d]}" || { echo "$s is missing dependency $d" >&2; return 1; }
      wait_dependency "${CP_CNAME[$d]}" "${dep#*:}" || return 1
    done
    [ -n "${start[$s]:-}" ] || continue
    c=${CP_CNAME[$s]}
    echo " Container $c  Starting" >&2; ctr_start "$c" || return 1; echo " Container $c  Started" >&2
  done
  return 0
}
compose_pull() {
  local quiet=0 svcs=() a
  for a in "$@"; do case "$a" in -q|--quiet) quiet=1 ;; -*) ;; *) svcs+=("$a") ;; esac; done
  [ ${#svcs[@]} -gt 0 ] || svcs=("${CP_SVCS[@]}")
  for a in "${svcs[@]}"; do [[ " ${CP_SVCS[*]} " == *" $a "* ]] || { echo "no such service: $a" >&2; exit 1; }; done
  if fault pull-fails; then
    [ "$quiet" = 1 ] && [ "$(compose_minor)" -lt 32 ] || echo " ${svcs[0]} Pulling " >&2
    echo "Error response from daemon: Head \"https://public.ecr.aws/v2/d6n9t2r2/${svcs[0]}/manifests/${CP_IMG[${svcs[0]}]##*:}\": toomanyrequests: Rate exceeded" >&2; exit 1
  fi
  # Compose before 2.32 printed nothing with -q; since then -q drops only the layer progress
  if [ "$quiet" = 1 ] && [ "$(compose_minor)" -lt 32 ]; then local e; e=$(pull_services 0 "${svcs[@]}" 2>&1) || { echo "${e##*$'\n'}" >&2; exit 1; }; return 0; fi
  pull_services $((1 - quiet)) "${svcs[@]}" || exit 1
}
compose_down() {
  local vols=0 orphans=0 a c s
  for a in "$@"; do case "$a" in -v|--volumes) vols=1 ;; --remove-orphans) orphans=1 ;; esac; done
  local known=" " order=()
  for s in "${CP_SVCS[@]}"; do known+="${CP_CNAME[$s]} "; done
  mapfile -t order < <(compose_order)
  local i rm=()
  for ((i = ${#order[@]} - 1; i >= 0; i--)); do c=${CP_CNAME[${order[i]}]}; has "$c" && [ "${C_PROJ[$c]}" = "$PROJECT" ] && rm+=("$c"); done
  local left=0
  compose_members_r; for c in "${MEMBERS[@]}"; do [[ $known == *" $c "* ]] && continue; if [ "$orphans" = 1 ]; then rm+=("$c"); else left=1; fi; done
  for c in "${rm[@]}"; do echo " Container $c  Stopping" >&2; ctr_stop "$c"; echo " Container $c  Stopped" >&2; echo " Container $c  Removing" >&2; cdel "$c"; echo " Container $c  Removed" >&2; done
  local n; for n in ${CP_TOPNET:-default}; do
    n="${PROJECT}_$n"
    [[ " ${NETWORKS[*]} " == *" $n "* ]] || [ ${#rm[@]} -gt 0 ] || continue
    echo " Network $n  Removing" >&2
    if [ "$left" = 1 ]; then echo " Network $n  Resource is still in use" >&2; continue; fi
    jq_state --arg n "$n" '.networks = [(.networks // [])[] | select(. != $n)]'; echo " Network $n  Removed" >&2
  done
  if [ "$vols" = 1 ]; then
    for n in $CP_TOPVOL; do
      n="${PROJECT}_$n"
      [[ " ${VOLUMES[*]} " == *" $n "* ]] || continue
      echo " Volume $n  Removing" >&2; vol_remove "$n"; echo " Volume $n  Removed" >&2
    done
  fi
  load
}
vol_remove() { # vol_remove NAME — the volume and its data are gone
  rm -rf "${DOCKER_ROOT:?}/volumes/$1"
  jq_state --arg n "$1" '.volumeNames = [(.volumeNames // ((.volumes // []) | map(. + "_config", . + "_k2v5-data")))[] | select(. != $n)]
    | .volumes = [(.volumes // [])[] as $p | select(($p + "_config") as $c | .volumeNames | index($c)) | $p]'
  load
}
restart_one() { # graceful restart of one container (env NOT re-read; the entrypoint runs again)
  local n=$1
  if [ "$n" = k2-sidecar ]; then
    sidecar_graceful_stop
    cupd k2-sidecar '.state = "running"'; load
    sidecar_entrypoint
    sidecar_boot > /dev/null
  elif is_tunnel "$n"; then
    k2s_start "$n"; tick
  else
    cupd "$n" '.state = "running" | .started = $now'
  fi
}

compose() {
  [ "$1" = -f ] && shift 2
  [ "$1" = -p ] && shift 2
  local sub=$1; shift || true
  case "$sub" in
    version) echo "Docker Compose version v$(compose_version)" ; return 0 ;;
    ls) local n=0 p="" c; for c in "${NAMES[@]}"; do [ -n "$p" ] || p=${C_PROJ[$c]}; visible "$c" && n=$((n + 1)); done
        { printf 'NAME\tSTATUS\tCONFIG FILES\n'; [ -n "$p" ] && printf '%s\trunning(%s)\t%s/docker-compose.yml\n' "$p" "$n" "${C_DIR[k2-sidecar]:-/apps/$p}"; } | table; return 0 ;;
  esac
  # shellcheck disable=SC1091
  . /usr/local/sbin/_compose.sh # the compose file's reader: only compose commands need it
  project_dir
  case "$sub" in
    ps) compose_ps "$@" ;;
    pull) compose_pull "$@" ;;
    up) compose_up "$@" || exit 1 ;;
    restart)
      local targets=() t; for t in "$@"; do [[ $t == -* ]] || targets+=("${CP_CNAME[$t]:-$t}"); done
      [ ${#targets[@]} -gt 0 ] || targets=($(compose_members))
      local n; for n in "${targets[@]}"; do has "$n" || { echo "no such service: $n" >&2; exit 1; }
        echo " Container $n  Restarting" >&2; restart_one "$n"; echo " Container $n  Started" >&2; done ;;
    down) compose_down "$@" ;;
    stop) local n; for n in ${*:-$(compose_members)}; do [[ $n == -* ]] && continue; n=${CP_CNAME[$n]:-$n}; has "$n" || continue; echo " Container $n  Stopping" >&2; ctr_stop "$n"; echo " Container $n  Stopped" >&2; done ;;
    start)
      local s c dep; for s in $(compose_order); do
        c=${CP_CNAME[$s]}; has "$c" || continue
        for dep in ${CP_DEPS[$s]:-}; do [ "${dep#*:}" = service_started ] || ! has "${CP_CNAME[${dep%%:*}]}" || wait_dependency "${CP_CNAME[${dep%%:*}]}" "${dep#*:}" || exit 1; done
        case "$(eff_state "$c")" in exited|created) echo " Container $c  Starting" >&2; ctr_start "$c" || exit 1; echo " Container $c  Started" >&2 ;; esac
      done ;;
    config)
      case " $* " in
        *" --services "*) printf '%s\n' "${CP_SVCS[@]}" ;;
        *" --images "*) local s; for s in "${CP_SVCS[@]}"; do echo "${CP_IMG[$s]}"; done ;;
        *) cat "$COMPOSE_FILE" ;;
      esac ;;
    logs) docker_logs "$@" ;;
    *) echo "unknown docker command: \"compose $sub\"" >&2; exit 1 ;;
  esac
}
