# shellcheck shell=bash
# Part of the docker shim (sourced by it when a command needs it: each shim call parses only what it runs).
# ---- docker inspect ----
env_list() { # env_list NAME → Config.Env: what compose passed, then the image's own ENV (PATH) it does not override
  local n=$1 k
  for k in ${C_ENVK[$n]:-}; do printf '%s=%s\n' "$k" "${C_ENV[$n|$k]}"; done
  [ -n "${C_ENV[$n|PATH]+x}" ] || echo "PATH=$IMAGE_PATH"
}
inspect() {
  local fmt="" c=""
  while [ $# -gt 0 ]; do case "$1" in --format|-f) fmt=$2; shift ;; --format=*) fmt=${1#--format=} ;; -f=*) fmt=${1#-f=} ;; --type) shift ;; *) c=$1 ;; esac; shift; done
  has "$c" || { echo "Error: No such object: $c" >&2; exit 1; }
  local st; eff_state_r "$c"; st=$REPLY
  if [ -z "$fmt" ]; then
    local envj; envj=$(env_list "$c" | jq -Rsc 'split("\n") | map(select(length > 0))')
    jq --arg n "$c" --arg s "$st" --arg sa "$(rfc3339nano "$(started_of "$c")")" --arg id "$(full_id "$c")" --argjson env "$envj" --arg h "$(cid "$c")" --arg wd "$(workdir_of "$c")" \
      '[.containers[] | select(.name == $n) | {Id: $id, Image: ("sha256:" + (.imageId // "")), Name: ("/" + .name), State: {Status: $s, Running: ($s == "running"), Paused: ($s == "paused"), Restarting: ($s == "restarting"), ExitCode: .exitCode, StartedAt: $sa, Health: (if .name == "k2-sidecar" then {Status: .health} else null end)}, RestartCount: .restartCount,
        Mounts: [(.mounts // [])[] | {Type: (if (.src | startswith("/var/lib/docker/volumes/")) then "volume" else "bind" end), Source: .src, Destination: .dst, RW: (.ro | not)}],
        Config: {Hostname: $h, Env: $env, Image: .image, WorkingDir: $wd, Labels: {"com.docker.compose.project": .project, "com.docker.compose.project.working_dir": .workdir, "com.docker.compose.service": (.service // .name)}}}]' "$STATE"
    return
  fi
  local o=$fmt
  if [[ $o == *".State.Health"* ]]; then
    [ "$c" = k2-sidecar ] || { echo "template parsing error: template: :1:8: executing \"\" at <.State.Health.Status>: map has no entry for key \"Health\"" >&2; exit 1; }
    local h=${C_HEALTH[$c]}; [ -n "${C_LOOP[$c]}" ] && h=starting
    o=${o//\{\{.State.Health.Status\}\}/$h}
  fi
  # only what the template asks for is computed (each $(...) is a fork)
  local yes=false; [ "$st" = paused ] && yes=true; o=${o//\{\{.State.Paused\}\}/$yes}
  yes=false; { [ "$st" = running ] || [ "$st" = paused ]; } && yes=true; o=${o//\{\{.State.Running\}\}/$yes}
  yes=false; [ "$st" = restarting ] && yes=true; o=${o//\{\{.State.Restarting\}\}/$yes}
  o=${o//\{\{.State.Status\}\}/$st}
  [[ $o == *"{{.State.StartedAt}}"* ]] && { started_of_r "$c"; rfc3339nano_r "$REPLY"; o=${o//\{\{.State.StartedAt\}\}/$REPLY}; }
  o=${o//\{\{.State.ExitCode\}\}/${C_EXIT[$c]}}
  [[ $o == *"{{.RestartCount}}"* ]] && { eff_rc_r "$c"; o=${o//\{\{.RestartCount\}\}/$REPLY}; }
  o=${o//\{\{.Config.Image\}\}/${C_IMG[$c]}}
  o=${o//\{\{.Image\}\}/sha256:${C_IMGID[$c]}}
  o=${o//\{\{.Name\}\}//$c}
  [[ $o == *"{{.Id}}"* ]] && { full_id_r "$c"; o=${o//\{\{.Id\}\}/$REPLY}; }
  [[ $o == *"{{.Config.Hostname}}"* ]] && { cid_r "$c"; o=${o//\{\{.Config.Hostname\}\}/$REPLY}; }
  [[ $o == *"{{.Created}}"* ]] && { tsat_r "${C_CREATED[$c]}"; o=${o//\{\{.Created\}\}/$REPLY}; }
  local net="${C_PROJ[$c]}_k2-internal"; [ "$c" = k2-slave ] && net=host; o=${o//\{\{.HostConfig.NetworkMode\}\}/$net}
  if [[ $o == *"com.docker.compose."* ]]; then o=$(printf '%s' "$o" | sed -E 's/\{\{ *index +\.Config\.Labels +"com\.docker\.compose\.project\.working_dir" *\}\}/'"${C_DIR[$c]//\//\\/}"'/g; s/\{\{ *index +\.Config\.Labels +"com\.docker\.compose\.project" *\}\}/'"${C_PROJ[$c]}"'/g; s/\{\{ *index +\.Config\.Labels +"com\.docker\.compose\.service" *\}\}/'"${C_SVC[$c]}"'/g'); fi
  if [[ $o == *".Config.Env"* ]]; then
    local lines; lines=$(env_list "$c")
    if [[ $o =~ \{\{\ *range\ +\.Config\.Env\ *\}\}\{\{\ *println\ +\.\ *\}\}\{\{\ *end\ *\}\} ]]; then o=${o//"${BASH_REMATCH[0]}"/$lines$'\n'}; fi
    [[ $o == *"{{json .Config.Env}}"* ]] && o=${o//\{\{json .Config.Env\}\}/$(printf '%s' "$lines" | jq -Rsc 'split("\n") | map(select(length > 0))')}
    o=${o//\{\{.Config.Env\}\}/[${lines//$'\n'/ }]}
  fi
  o=${o//\'/}
  echo "$o"
}
