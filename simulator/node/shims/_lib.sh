# shellcheck shell=bash
# Shared helpers of a simulated node's command shims (node-behavior.md §1.5, §2, §3.4, §4).
# Inside the node's mount namespace /var/lib/k2sim is the node's simulator dir:
# node.env (identity + host facts), state.json (containers, images, volumes),
# sidecar.log (docker logs of k2-sidecar, "1 " = stdout / "2 " = stderr prefixes),
# <container>.log (docker logs of the other containers: "<1|2> <epoch ms> <line>",
# the daemon's own time per entry), registry (the image tags the registry has),
# faults/, commands.jsonl. /var/lib/docker is the node's Docker data root (root
# only, as dockerd keeps it): volumes/<project>_<name>/_data, overlay2/<id>/merged
# (a container's root filesystem).
K2SIM=/var/lib/k2sim
# shellcheck disable=SC1091
. "$K2SIM/node.env"
# what provisioning changes (node-behavior.md §8): a state dir laid out before it was simulated
# has none of these facts; its node is a provisioned one (a fresh one for "unprovisioned")
if [ "${SCENARIO:-}" = unprovisioned ]; then
  : "${APT_PKGS=openssh-server iptables snapd ufw unattended-upgrades curl gnupg ca-certificates}" "${SNAPS=amazon-ssm-agent core18 core20 lxd snapd}" "${SWAPPINESS:=60}" "${CRASHMON:=0}"
else
  : "${APT_PKGS=openssh-server iptables ufw curl gnupg ca-certificates docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin}" "${SNAPS=}" "${SWAPPINESS:=10}" "${CRASHMON:=1}"
fi
pkg_has() { [[ " $APT_PKGS " == *" $1 "* ]]; } # pkg_has NAME — is the package installed?
# fault provision-fails: provision-node.sh fails at this stage (fleet.ts ProvisionFailure)
provision_fails() { [ -s "$K2SIM/faults/provision-fails" ] && [ "$(< "$K2SIM/faults/provision-fails")" = "$1" ]; }
# the simulator's own first `up -d` stands for a provisioning long past: no health wait
[ -n "${K2SIM_PROVISIONED_LONG_AGO:-}" ] && HEALTH_DELAY_MS=0
STATE="$K2SIM/state.json"
SLOG="$K2SIM/sidecar.log"
DOMAIN="${IP//./-}.sslip.io"
DOCKER_ROOT=/var/lib/docker
# the sidecar's config volume (mounted at /etc/kaitu in its container): the data dir of
# <project>_config, the project being the one whose sidecar runs (set by load)
CFG=$DOCKER_ROOT/volumes/_config/_data
vol_dir() { echo "$DOCKER_ROOT/volumes/$1/_data"; } # vol_dir VOLUME-NAME
# state is shared by ubuntu (docker group on a real node) and root (sudo docker)
umask 000

# the node's clock: real time plus $K2SIM/clock-offset-ms (a node whose clock runs ahead, e.g. to reach a billing-cycle boundary)
CLOCK_OFFSET_MS=0; [ -s "$K2SIM/clock-offset-ms" ] && read -r CLOCK_OFFSET_MS < "$K2SIM/clock-offset-ms"
# (the *_r forms set REPLY: no $(...) fork; the echoing forms are for the odd caller)
nowms_r() { local t=${EPOCHREALTIME//[!0-9]/}; REPLY=$(( ${t:0:13} + CLOCK_OFFSET_MS )); }
nowms() { nowms_r; echo "$REPLY"; }
ts() { nowms_r; tsat_r "$REPLY"; echo "$REPLY"; }
tsat_r() { # tsat_r MS → REPLY: the time in UTC, milliseconds (2026-01-02T03:04:05.678Z)
  TZ=UTC printf -v REPLY '%(%Y-%m-%dT%H:%M:%S)T.%03dZ' $(($1 / 1000)) $(($1 % 1000))
}
tsat() { tsat_r "$1"; echo "$REPLY"; }
fault() { [ -e "$K2SIM/faults/$1" ]; }
lock() { exec 9>>"$K2SIM/.lock"; flock 9; }
unlock() { flock -u 9; }

# fault: one node command hangs inside a session (a wedged daemon), matched on "<command> <args>"
if [ -s "$K2SIM/faults/shim-hang" ] && printf '%s %s' "${0##*/}" "$*" | grep -qE -f "$K2SIM/faults/shim-hang"; then sleep 600; fi

human_r() { # Docker's human duration (go-units HumanDuration) → REPLY
  local s=$1
  if [ "$s" -lt 1 ]; then REPLY="Less than a second"; elif [ "$s" -eq 1 ]; then REPLY="1 second"; elif [ "$s" -lt 60 ]; then REPLY="$s seconds"
  elif [ "$s" -lt 120 ]; then REPLY="About a minute"; elif [ "$s" -lt 2820 ]; then REPLY="$((s / 60)) minutes"
  elif [ "$s" -lt 5400 ]; then REPLY="About an hour"; elif [ "$s" -lt 172800 ]; then REPLY="$(((s + 1800) / 3600)) hours"
  elif [ "$s" -lt 1209600 ]; then REPLY="$(((s + 43200) / 86400)) days"; elif [ "$s" -lt 7862400 ]; then REPLY="$(((s + 302400) / 604800)) weeks"
  elif [ "$s" -lt 31536000 ]; then REPLY="$(((s + 1296000) / 2592000)) months"; else REPLY="$(((s + 15768000) / 31536000)) years"; fi
}
human() { human_r "$1"; echo "$REPLY"; }

# ---- state.json -------------------------------------------------------------
# jq costs ~20 ms per start on a small machine; reads (most commands) use a
# bash rendering of state.json (state.sh) that is rebuilt only after a write.
STATE_SH="$K2SIM/state.sh"
# the rendering (bash assignments) of a state (jq filter on it)
# shellcheck disable=SC2016
STATE_RENDER='
    @sh "METER_START=\(.meterStart // 0); USED_BASE=\(.usedBase // 0); REPORTED=\(.reported // 0); LOOP_LOGGED=\(.loopLogged // 0); SEQ=\(.seq // 0); REPORT_MS=\(.reportEveryMs // 0); VOL_PROJ=\(.volume // ""); AUTH_START=\(.authStart // 0); AUTH_N=\(.authN // 0)",
    @sh "VOLUMES=(\(.volumeNames // ((.volumes // []) | map(. + "_config", . + "_k2v5-data")) | unique)); NETWORKS=(\(.networks // []))",
    (.images // [] | .[] | @sh "IMAGES+=(\(.ref)); I_ID[\(.ref)]=\(.id); I_CREATED[\(.ref)]=\(.created); I_SIZE[\(.ref)]=\(.size)"),
    (.containers[] | @sh "NAMES+=(\(.name)); C_IMG[\(.name)]=\(.image); C_STATE[\(.name)]=\(.state); C_HEALTH[\(.name)]=\(.health); C_RC[\(.name)]=\(.restartCount); C_CREATED[\(.name)]=\(.created); C_STARTED[\(.name)]=\(.started); C_HAT[\(.name)]=\(.healthyAt); C_LOOP[\(.name)]=\(.loop // ""); C_EXIT[\(.name)]=\(.exitCode); C_DIR[\(.name)]=\(.workdir); C_PROJ[\(.name)]=\(.project); C_BILL[\(.name)]=\(.env.K2_NODE_BILLING_START_DATE // ""); C_LIMIT[\(.name)]=\(.env.K2_NODE_TRAFFIC_LIMIT_GB // "0"); C_VER[\(.name)]=\(.image | split(":") | last); C_ID[\(.name)]=\(.id // ""); C_IMGID[\(.name)]=\(.imageId // ""); C_CONF[\(.name)]=\(.conf // ""); C_SVC[\(.name)]=\(.service // .name); C_MOUNTS[\(.name)]=\(.mounts // [] | map(.src + "|" + .dst + "|" + (if .ro then "ro" else "rw" end)) | join("\n"))"),
    (.containers[] | @sh "C_ENVK[\(.name)]=\(.env | keys_unsorted | join(" "))"),
    (.containers[] | .name as $n | .env | to_entries[] | @sh "C_ENV[\($n + "|" + .key)]=\(.value)")
  '
replace_file() { # replace_file FILE FORMAT [ARGS...] — printf's output written beside FILE and renamed into place; 1 if it failed
  # A docker CLI killed half-way (the checklist's `timeout` on a loaded machine) then leaves the old FILE whole,
  # never a truncated one (an empty state reads as a node without containers, an empty meter as a fresh one),
  # and a reader never sources half of it
  local f=$1; shift
  printf "$@" > "$f.$$" && mv -f "$f.$$" "$f" || { rm -f "$f.$$"; return 1; }
}
jq_state() { # jq_state [jq args...] FILTER — rewrites state.json (caller holds the lock), and its rendering
  # (state.sh) with it: the same jq process writes both, the next load has nothing to render
  local out
  out=$(jq -r "${@:1:$#-1}" "(${*: -1}) | (tojson, ($STATE_RENDER))" "$STATE") || return 1
  # killed between the two, state.json is the newer: the next load renders it again
  replace_file "$STATE" '%s\n' "${out%%$'\n'*}" || return 1
  replace_file "$STATE_SH" '%s\n' "${out#*$'\n'}" || rm -f "$STATE_SH"
}
declare -A C_IMG C_STATE C_HEALTH C_RC C_CREATED C_STARTED C_HAT C_LOOP C_EXIT C_DIR C_PROJ C_BILL C_LIMIT C_VER C_ENV C_ID C_IMGID C_CONF C_SVC C_MOUNTS C_ENVK I_ID I_CREATED I_SIZE
NAMES=() IMAGES=() VOLUMES=() NETWORKS=()
render_state() {
  jq -r "$STATE_RENDER" "$STATE" > "$STATE_SH.$$" && mv -f "$STATE_SH.$$" "$STATE_SH"
}
load() {
  NAMES=(); C_IMG=(); C_STATE=(); C_HEALTH=(); C_RC=(); C_CREATED=(); C_STARTED=(); C_HAT=(); C_LOOP=(); C_EXIT=(); C_DIR=(); C_PROJ=(); C_BILL=(); C_LIMIT=(); C_VER=(); C_ENV=()
  C_ID=(); C_IMGID=(); C_CONF=(); C_SVC=(); C_MOUNTS=(); C_ENVK=(); IMAGES=(); I_ID=(); I_CREATED=(); I_SIZE=(); VOLUMES=(); NETWORKS=(); VOL_PROJ=""
  # state.json may also be written by the simulator itself (newer than the rendering)
  { [ -s "$STATE_SH" ] && ! [ "$STATE" -nt "$STATE_SH" ]; } || render_state
  # shellcheck disable=SC1090
  . "$STATE_SH"
  # the config volume the sidecar mounts: its container's project, else the last project that was up
  local vp=${C_PROJ[k2-sidecar]:-$VOL_PROJ}
  CFG=$DOCKER_ROOT/volumes/${vp}_config/_data
}
has() { [ -n "${C_STATE[$1]:-}" ]; }
cupd() { # cupd NAME JQ-EXPR [jq args] — update one container record
  local n=$1 e=$2; shift 2
  nic_sync # traffic flowed (or not) under the old state up to now
  nowms_r
  jq_state --arg n "$n" --argjson now "$REPLY" "$@" "(.containers[] | select(.name == \$n)) |= ($e)"
}
cdel() { nic_sync; ctr_fs_remove "$1"; jq_state --arg n "$1" 'del(.containers[] | select(.name == $n))'; }
cnew() { # cnew NAME IMAGE ENVJSON WORKDIR PROJECT [SERVICE CONF IMAGEID MOUNTSJSON] — a created (not started) container
  nic_sync
  local now id; nowms_r; now=$REPLY
  ctr_fs_remove "$1"
  id=$(printf '%s %s %s' "$1" "$now" "$RANDOM" | sha256sum); id=${id%% *}
  jq_state --arg n "$1" --arg i "$2" --argjson env "$3" --arg d "$4" --arg p "$5" --argjson now "$now" --arg id "$id" \
    --arg svc "${6:-$1}" --arg conf "${7:-}" --arg iid "${8:-}" --argjson mounts "${9:-[]}" \
    '.containers = ([.containers[] | select(.name != $n)] + [{name: $n, id: $id, service: $svc, image: $i, imageId: $iid, conf: $conf, mounts: $mounts, state: "created", health: "", restartCount: 0, exitCode: 0, env: $env, created: $now, started: 0, healthyAt: 0, loop: null, workdir: $d, project: $p}] | sort_by(.name))'
  load
  ctr_fs_create "$1"
}
full_id_r() { # a container's 64-hex ID (stored at creation; derived for containers the simulator placed itself) → REPLY
  if [ -n "${C_ID[$1]:-}" ]; then REPLY=${C_ID[$1]}; else REPLY=$(printf '%s%s' "$1" "${C_CREATED[$1]}" | sha256sum); REPLY=${REPLY%% *}; fi
}
full_id() { full_id_r "$1"; echo "$REPLY"; }
cid_r() { full_id_r "$1"; REPLY=${REPLY:0:12}; }
cid() { cid_r "$1"; echo "$REPLY"; }
image_id() { # image_id REPO:TAG → the ID a registry tag resolves to (sha256 of the release it names)
  local ref=$1 repo=${1%:*} tag=${1##*:} l
  [ -f "$K2SIM/registry" ] && while IFS= read -r l; do [ "${l%%=*}" = "$tag" ] && [[ $l == *=* ]] && tag=${l#*=}; done < "$K2SIM/registry"
  local h; h=$(printf '%s:%s' "$repo" "$tag" | sha256sum); echo "${h%% *}"
}

# ---- container root filesystems (what `docker exec` runs in) -----------------
# An Alpine 3.20 root per container under /var/lib/docker/overlay2/<id>/merged: busybox
# (the host's, Debian's `busybox` package: like Alpine's its shell runs wget & co from PATH;
# it and the C library it links are bind-mounted read-only at exec time) with its applet links,
# /etc as Alpine has it, the image's own files; the sidecar image adds curl. The network
# tools (wget, curl) answer as this node's container network does.
ctr_root_r() { full_id_r "$1"; REPLY="$DOCKER_ROOT/overlay2/$REPLY/merged"; }
ctr_root() { ctr_root_r "$1"; echo "$REPLY"; }
ctr_fs_remove() { [ "$EUID" = 0 ] && has "$1" && full_id_r "$1" && rm -rf "${DOCKER_ROOT:?}/overlay2/$REPLY"; return 0; }
image_base() { # image_base DIR — the Alpine base every image starts from (built once per node, copied per image)
  local t=$1 r=$1/rootfs
  rm -rf "$t"
  # (one mkdir for them all: each is a process)
  local dirs=(bin sbin etc lib usr/bin usr/sbin usr/local/bin usr/lib root tmp var/run var/log proc sys dev app home mnt opt media srv run lib/x86_64-linux-gnu lib64 dev/pts dev/shm etc/ssl/certs)
  mkdir -p "${dirs[@]/#/$r/}"
  : > "$r/bin/busybox"; chmod 755 "$r/bin/busybox"; chmod 1777 "$r/tmp"; chmod 700 "$r/root"
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$r/lib64/ld-linux-x86-64.so.2"
  mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5; mknod -m 666 "$r/dev/full" c 1 7
  mknod -m 666 "$r/dev/random" c 1 8; mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
  # the applet links busybox itself installs (/bin/sh, /bin/cat, /usr/bin/wget, ...)
  unshare --mount --propagation private -- sh -c 'mount --bind -o ro /bin/busybox "$1/bin/busybox" && mount --bind -o ro /lib/x86_64-linux-gnu "$1/lib/x86_64-linux-gnu" && chroot "$1" /bin/busybox --install -s' _ "$r" 2>/dev/null
  printf '3.20.3\n' > "$r/etc/alpine-release"
  printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n' > "$r/etc/os-release"
  printf 'root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\ndaemon:x:2:2:daemon:/sbin:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' > "$r/etc/passwd"
  printf 'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\nnogroup:x:65533:\nnobody:x:65534:\n' > "$r/etc/group"
  printf '/bin/sh\n' > "$r/etc/shells"
  : > "$r/etc/ssl/certs/ca-certificates.crt"
  : > "$t/.complete"
}
image_fs() { image_fs_r "$1"; echo "$REPLY"; }
image_fs_r() { # image_fs_r IMAGE → REPLY: the image's root (built once per node and repository)
  local repo=${1%:*}; repo=${repo##*/}
  local t="$DOCKER_ROOT/image/k2sim/$repo"
  [ -f "$t/.complete" ] && { REPLY="$t/rootfs"; return; }
  local b="$DOCKER_ROOT/image/k2sim/.alpine-base"
  [ -f "$b/.complete" ] || image_base "$b"
  rm -rf "$t"; mkdir -p "$t"
  cp -a "$b/rootfs" "$t/rootfs"
  local r="$t/rootfs"
  case "$repo" in
    k2-sidecar)
      mkdir -p "$r/etc/kaitu" "$r/etc/k2v5" "$r/host/proc" "$r/host/sys"; : > "$r/var/run/docker.sock"
      printf '#!/bin/sh\n# k2-sidecar entrypoint: writes /tmp/sidecar-config.yaml from the environment, then runs k2-sidecar\nexec k2-sidecar -c /tmp/sidecar-config.yaml\n' > "$r/entrypoint.sh"
      printf '#!/bin/sh\necho "time=$(date -u +%%Y-%%m-%%dT%%H:%%M:%%S.000Z) level=ERROR msg=\\"unknown command\\" component=sidecar" >&2\nexit 1\n' > "$r/usr/local/bin/k2-sidecar"
      chmod 755 "$r/entrypoint.sh" "$r/usr/local/bin/k2-sidecar" ;;
    k2s|k2v5|k2-slave)
      mkdir -p "$r/etc/kaitu" "$r/etc/k2v5" "$r/var/log/kaitu"; : > "$r/etc/k2v5/users"
      printf '#!/bin/sh\n# waits for the sidecar'"'"'s ready flag, then runs k2s with /etc/kaitu/k2v5-config.yaml\nexec ./k2s run -c /etc/kaitu/k2v5-config.yaml\n' > "$r/app/entrypoint.sh"
      printf '#!/bin/sh\necho "k2s: the tunnel server (simulated)"\n' > "$r/app/k2s"
      chmod 755 "$r/app/entrypoint.sh" "$r/app/k2s" ;;
  esac
  : > "$t/.complete"
  REPLY=$r
}
ctr_fs_create() { # ctr_fs_create NAME — the container's root from its image (root only; a no-op for the unprivileged)
  [ "$EUID" = 0 ] || return 0
  local n=$1 img; image_fs_r "${C_IMG[$n]}"; img=$REPLY
  local top; ctr_root_r "$n"; top=${REPLY%/merged}
  rm -rf "$top"; mkdir -p "$top"
  cp -a "$img" "$top/merged"
  local r="$top/merged" h; cid_r "$n"; h=$REPLY
  printf '%s\n' "$h" > "$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n172.18.0.%s\t%s\n' "$(( ${#NAMES[@]} + 1 ))" "$h" > "$r/etc/hosts"
  printf 'nameserver 127.0.0.11\noptions ndots:0\n' > "$r/etc/resolv.conf"
  chmod 700 "$top"
}
sidecar_entrypoint() { # the sidecar's entrypoint: /tmp/sidecar-config.yaml from the container's env (it holds the secret: inside the container only)
  [ "$EUID" = 0 ] && has k2-sidecar || return 0
  local r; ctr_root_r k2-sidecar; r=$REPLY
  [ -d "$r/tmp" ] || ctr_fs_create k2-sidecar
  local -n E=C_ENV
  local p="k2-sidecar|"
  # the entrypoint's heredoc: "${VAR:-default}" (unset or empty → default)
  (umask 022; printf 'k2_center:\n  enabled: true\n  base_url: "%s"\n  timeout: "10s"\n  secret: "%s"\n  private_claim: "%s"\n  report_interval: "%s"\n  billing_start_date: "%s"\n  traffic_limit_gb: %s\n  traffic_used_gb: %s\n  traffic_billing_mode: "%s"\n\nnode:\n  name: "%s"\n  region: "%s"\n  brands: "%s"\n\ntunnel:\n  enabled: true\n  domain: "%s"\n  port: %s\n\nech:\n  enabled: %s\n\nrelay:\n  enabled: %s\n\ntest_node: %s\nconfig_dir: "%s"\n' \
    "${E[${p}K2_CENTER_URL]:-https://k2.52j.me}" "${E[${p}K2_NODE_SECRET]:-}" "${E[${p}K2_PRIVATE_CLAIM]:-}" "${E[${p}REPORT_INTERVAL]:-120s}" "${E[${p}K2_NODE_BILLING_START_DATE]:-}" \
    "${E[${p}K2_NODE_TRAFFIC_LIMIT_GB]:-0}" "${E[${p}K2_NODE_TRAFFIC_USED_GB]:-0}" "${E[${p}K2_NODE_TRAFFIC_BILLING_MODE]:-}" "${E[${p}K2_NODE_NAME]:-}" "${E[${p}K2_NODE_REGION]:-}" "${E[${p}K2_NODE_BRANDS]:-}" \
    "${E[${p}K2_DOMAIN]:-}" "${E[${p}K2_PORT]:-443}" "${E[${p}K2_ECH_ENABLED]:-false}" "${E[${p}K2_HAS_RELAY]:-false}" "${E[${p}K2_TEST_NODE]:-false}" "${E[${p}K2_CONFIG_DIR]:-/etc/kaitu}" > "$r/tmp/sidecar-config.yaml")
}
cenv() { # cenv NAME KEY — a container's env snapshot value (called in $(...): loading here leaves the caller alone)
  load
  printf '%s\n' "${C_ENV[$1|$2]:-}"
}

# ---- sidecar log ------------------------------------------------------------
out1() { printf '1 %s\n' "$1" >> "$SLOG"; }
slog_at() { # slog_at MS LEVEL MSG [ATTRS]
  tsat_r "$1"
  printf '2 time=%s level=%s msg="%s"%s\n' "$REPLY" "$2" "$3" "${4:+ $4}" >> "$SLOG"
}
slog() { nowms_r; slog_at "$REPLY" "$@"; }

tunnel_name() { # the tunnel container that exists (a migrated legacy node runs k2s); the host fact before the first up
  if has k2-slave; then echo k2-slave; elif has k2s; then echo k2s; elif [ "$LEGACY" = 1 ]; then echo k2-slave; else echo k2s; fi
}
vol_create() { # vol_create VOLUME-NAME — a named volume (its data dir, root-only as dockerd makes it); prints nothing
  local v=$1
  [ -d "$DOCKER_ROOT/volumes/$v/_data" ] || { mkdir -p "$DOCKER_ROOT/volumes/$v/_data"; chmod 701 "$DOCKER_ROOT/volumes/$v"; chmod 755 "$DOCKER_ROOT/volumes/$v/_data"; }
}
vol_switch() { # vol_switch PROJECT — the sidecar now runs in PROJECT: its config volume (/etc/kaitu) is <project>_config
  # (dir-migration.md: a new project's first up has an EMPTY volume: no certificate, no traffic.state, the meter
  # restarts at 0; the other project's volume stays on disk with its content)
  [ "$VOL_PROJ" = "$1" ] && return 0
  jq_state --arg p "$1" '.volume = $p | .volumes = ((.volumes // []) + [$p] | unique)'
  load
}

# ---- container logs of the other containers (k2s, k2-oc, …) -------------------
# $K2SIM/<name>.log: one entry per line, "<1|2> <epoch ms> <text>" (1 = stdout, 2 = stderr),
# the time being the daemon's own (journald's entry time for k2s), which docker logs
# --since / --until / -t use.
clog() { # clog NAME 1|2 MS TEXT...
  local n=$1 s=$2 t=$3 l; shift 3
  for l in "$@"; do printf '%s %s %s\n' "$s" "$t" "$l"; done >> "$K2SIM/$n.log"
}
k2s_slog() { # k2s_slog NAME MS LINE — a k2s slog line: its log file (/var/log/kaitu = <deploy dir>/logs), and its
  # stderr when the node mirrors it there (node fact K2S_LOG_MIRROR; node-behavior.md §2.4: file only by default)
  local n=$1 t=$2 line=$3 dir=${C_DIR[$1]:-$DEPLOY_DIR}
  [ -d "$dir/logs" ] || mkdir -p "$dir/logs" 2>/dev/null
  printf '%s\n' "$line" >> "$dir/logs/k2s.log"
  [ "${K2S_LOG_MIRROR:-0}" = 1 ] && clog "$n" 2 "$t" "$line"
  return 0
}
k2s_start() { # the tunnel container starts: entrypoint lines (docker logs) + "server ready" in its log file
  local n=$1 now; nowms_r; now=$REPLY
  cupd "$n" '.state = "running" | .started = $t0 | .exitCode = 0 | .health = ""' --argjson t0 "$now"
  jq_state --argjson now "$now" '.authStart = $now | .authN = 0'
  clog "$n" 1 "$now" "[INFO] Waiting for sidecar to generate config: /etc/kaitu/k2v5-config.yaml" "[INFO] Sidecar ready flag found" \
    "[INFO] Config file found: /etc/kaitu/k2v5-config.yaml" "[INFO] Starting k2s with config: /etc/kaitu/k2v5-config.yaml"
  # fault: a k2s that hangs in its start-up never logs "server ready"
  tsat_r "$now"
  fault k2s-not-ready || k2s_slog "$n" "$now" "time=$REPLY level=INFO msg=\"k2s server ready\" listen=:443"
}
k2s_tick() { # k2s_tick NOW — k2s's periodic auth summary (k2v5 auth spec: `DIAG: auth-rollout` every 5 min, simulated
  # time TIME_SCALE× faster), for each period it ran; a paused or stopped k2s writes nothing for its periods
  local now=$1 n=k2s
  has "$n" && [ "${C_STARTED[$n]:-0}" -gt 0 ] && [ "$AUTH_START" -gt 0 ] || return 0
  local p=$(( 300000 / ${TIME_SCALE:-1} )); [ "$p" -gt 0 ] || p=300000
  local due=$(( (now - AUTH_START) / p ))
  [ "$due" -gt "$AUTH_N" ] || return 0
  if [ "${C_STATE[$n]}" = running ]; then
    local i=$AUTH_N t tot un legacy au ck h ip=${IP##*.}
    [ $((due - i)) -gt 288 ] && i=$((due - 288))
    for ((i = i + 1; i <= due; i++)); do
      t=$((AUTH_START + i * p)); h=$(( (i * 7919 + ip * 104729) % 1000 ))
      tot=$((40 + h % 61)); un=$((h % 4)); legacy=$un; au=$((tot - un)); ck=$((au * (70 + h % 25) / 100))
      tsat_r "$t"
      k2s_slog "$n" "$t" "time=$REPLY level=INFO msg=\"DIAG: auth-rollout\" total=$tot authed=$au cookie_hit=$ck cold=$((au - ck)) unauthed=$un legacy_no_metadata=$legacy"
    done
  fi
  jq_state --argjson n "$due" '.authN = $n'
  AUTH_N=$due
}

# ---- time passes: health checks, restart loops (_sidecar.sh), the meter (_meter.sh) ----
tick() {
  load
  local now; nowms_r; now=$REPLY
  local loop=${C_LOOP[k2-sidecar]:-}
  # the sidecar's own lines and the meter's catch-up lines are written in time order, as one process writes them
  local real=$SLOG buf=$K2SIM/.tick.buf; SLOG=$buf; : > "$buf"
  sidecar_tick "$now"
  loop=${C_LOOP[k2-sidecar]:-}
  meter_tick "$now" "$loop"
  k2s_tick "$now"
  SLOG=$real
  # each entrypoint line (no time of its own) stays with the line after it, the lines in time order (a stable sort)
  [ -s "$buf" ] && tick_merge "$buf" "$real"
  return 0
}
tick_merge() { # tick_merge BUF DEST — BUF's lines appended to DEST in time order, entrypoint lines kept with the line after
  # them. What the sidecar and the meter wrote are each in time order already: merged here, else (never seen) sorted
  local lines l pend="" keys=() grps=() n i d=-1
  mapfile -t lines < "$1"
  for l in "${lines[@]}"; do
    [ -n "$l" ] || { tick_sort "$1" "$2"; return; }
    if [ "${l:2:5}" = time= ]; then keys+=("${l:7:23}"); grps+=("$pend$l"$'\n'); pend=""; else pend+="$l"$'\n'; fi
  done
  [ -z "$pend" ] || { keys+=("~"); grps+=("$pend"); }
  n=${#keys[@]}
  for ((i = 1; i < n; i++)); do
    [[ ${keys[i]} < ${keys[i - 1]} ]] || continue
    [ "$d" -lt 0 ] || { tick_sort "$1" "$2"; return; } # more than two runs
    d=$i
  done
  if [ "$d" -lt 0 ]; then printf '%s' "${grps[@]}" >> "$2"; return; fi
  local out="" a=0 b=$d
  while [ "$a" -lt "$d" ] && [ "$b" -lt "$n" ]; do
    if [[ ${keys[b]} < ${keys[a]} ]]; then out+=${grps[b]}; b=$((b + 1)); else out+=${grps[a]}; a=$((a + 1)); fi
  done
  for ((; a < d; a++)); do out+=${grps[a]}; done
  for ((; b < n; b++)); do out+=${grps[b]}; done
  printf '%s' "$out" >> "$2"
}
tick_sort() { # tick_sort BUF DEST — the same by sort(1)
  awk '{t=(substr($0,3,5)=="time=")?substr($0,8,23):""} t==""{p=p $0 "\001"; next} {printf "%s\t%s%s\n", t, p, $0; p=""} END{if(p!="")printf "~\t%s\n", p}' "$1" | sort -s -t$'\t' -k1,1 | cut -f2- | tr '\001' '\n' | sed '/^$/d' >> "$2"
  return 0
}
setvar() { # setvar KEY VALUE — change a host fact in node.env (renamed into place: a reader, or a command killed half-way, never leaves it half-written; in place if the dir is not writable)
  local body t="$K2SIM/.node.env.$$"; body=$(grep -v "^$1=" "$K2SIM/node.env")
  if printf '%s\n%s=%q\n' "$body" "$1" "$2" 2> /dev/null > "$t"; then chmod 666 "$t"; mv -f "$t" "$K2SIM/node.env"; else printf '%s\n%s=%q\n' "$body" "$1" "$2" > "$K2SIM/node.env"; fi
}

# The simulated sidecar (_sidecar.sh), its meter (_meter.sh) and compose's .env reader (_dotenv.sh): only the
# docker shim runs them (time passing, containers changing). A shim that reads node facts and the state alone
# says K2SIM_LIB=light before sourcing this file: ~1,400 lines less for bash to parse on each of its calls.
if [ "${K2SIM_LIB:-}" != light ]; then
  # shellcheck disable=SC1091
  . "${BASH_SOURCE[0]%/*}/_dotenv.sh"
  # shellcheck disable=SC1091
  . "${BASH_SOURCE[0]%/*}/_sidecar.sh"
  # shellcheck disable=SC1091
  . "${BASH_SOURCE[0]%/*}/_meter.sh"
fi
