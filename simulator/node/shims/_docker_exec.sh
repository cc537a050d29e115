# shellcheck shell=bash
# Part of the docker shim (sourced by it when a command needs it: each shim call parses only what it runs).
# ---- docker exec: a process in the container's root, namespaces and mounts ----
# runs in a fresh mount + pid namespace: the container's mounts (its volumes, binds), busybox (and its libc),
# a /proc of its own; then chroot into the container's root (unshare --root) with its env only
CEXEC='r=$1 wd=$2 in=$3; shift 3
mount --bind -o ro /bin/busybox "$r/bin/busybox" && mount --bind -o ro /lib/x86_64-linux-gnu "$r/lib/x86_64-linux-gnu" || exit 125
while [ "$1" != -- ]; do
  src=${1%%|*}; rest=${1#*|}; dst=${rest%%|*}; mode=${rest#*|}; shift
  [ -e "$src" ] || continue
  t=$r$dst
  if [ -d "$src" ]; then mkdir -p "$t"; else mkdir -p "${t%/*}"; [ -e "$t" ] || : > "$t"; fi
  if [ "$mode" = ro ]; then mount --bind -o ro "$src" "$t"; else mount --bind "$src" "$t"; fi || exit 125
done; shift
mount -t proc proc "$r/proc" 2> /dev/null
[ "$in" = 1 ] || exec < /dev/null
exec env -i "$@"'
net_tools() { # the container's wget (busybox) and curl answer as this node's container network does
  local r=$1 w c
  printf -v w '%s\n' '#!/bin/sh' '# busybox wget as this node'"'"'s container network answers it (k2sim): the public-IP echo services' \
    '# answer the node'"'"'s address, nothing else resolves' 'q=0 out= url=' \
    'while [ $# -gt 0 ]; do case "$1" in -q) q=1 ;; -qO) q=1; out=$2; shift ;; -qO*) q=1; out=${1#-qO} ;; -O) out=$2; shift ;; -O*) out=${1#-O} ;; -T|-U|-Y|--header|--user-agent) shift ;; -*) ;; *) url=$1 ;; esac; shift; done' \
    '[ -n "$url" ] || { echo "BusyBox v1.36.1 (2024-06-10 07:11:47 UTC) multi-call binary." >&2; echo "" >&2; echo "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR] URL..." >&2; exit 1; }' \
    'host=${url#*://}; host=${host%%/*}; host=${host%%:*}' \
    "if [ $NET_BROKEN = 1 ]; then sleep ${WGET_TIMEOUT_S:-5}; echo 'wget: download timed out' >&2; exit 1; fi" \
    "case \"\$host\" in api.ipify.org|api4.ipify.org|ifconfig.me|ipinfo.io) b='$IP' ;; icanhazip.com|ipv4.icanhazip.com|checkip.amazonaws.com) b='$IP
' ;; *) echo \"wget: bad address '\$host'\" >&2; exit 1 ;; esac" \
    '[ -n "$out" ] || { out=${url##*/}; [ -n "$out" ] && [ "$out" != "$host" ] || out=index.html; }' \
    'if [ "$out" = - ]; then printf "%s" "$b"; else [ $q = 1 ] || echo "Connecting to $host" >&2; printf "%s" "$b" > "$out" || exit 1; [ $q = 1 ] || echo "saving to '"'"'$out'"'"'" >&2; fi'
  printf -v c '%s\n' '#!/bin/sh' '# curl as this node'"'"'s container network answers it (k2sim)' 's=0 S=0 out= url=' \
    'while [ $# -gt 0 ]; do case "$1" in --silent) s=1 ;; --show-error) S=1 ;; -o|--output|-m|--max-time|--connect-timeout|-H|--header|-X|--request|-d|--data|-A|--user-agent|-u|--user|-w|--write-out) [ "$1" = -o ] || [ "$1" = --output ] && out=$2; shift ;; --*) ;; -*) case "$1" in *s*) s=1 ;; esac; case "$1" in *S*) S=1 ;; esac ;; *) url=$1 ;; esac; shift; done' \
    'fail() { { [ $s = 0 ] || [ $S = 1 ]; } && echo "curl: ($1) $2" >&2; exit $1; }' \
    '[ -n "$url" ] || fail 2 "no URL specified"' \
    'host=${url#*://}; host=${host%%/*}; host=${host%%:*}' \
    "if [ $NET_BROKEN = 1 ]; then sleep ${WGET_TIMEOUT_S:-5}; fail 28 \"Resolving timed out after ${WGET_TIMEOUT_S:-5}000 milliseconds\"; fi" \
    "case \"\$host\" in api.ipify.org|api4.ipify.org|ifconfig.me|ipinfo.io) b='$IP' ;; icanhazip.com|ipv4.icanhazip.com|checkip.amazonaws.com) b='$IP
' ;; *) fail 6 \"Could not resolve host: \$host\" ;; esac" \
    'if [ -n "$out" ] && [ "$out" != - ]; then printf "%s" "$b" > "$out"; else printf "%s" "$b"; fi'
  local cur=""
  [ -f "$r/usr/bin/wget" ] && [ ! -L "$r/usr/bin/wget" ] && cur=$(< "$r/usr/bin/wget")
  [ "$cur"$'\n' = "$w" ] || { rm -f "$r/usr/bin/wget"; printf '%s' "$w" > "$r/usr/bin/wget"; chmod 755 "$r/usr/bin/wget"; }
  if [ "$2" = k2-sidecar ]; then
    cur=""; [ -f "$r/usr/bin/curl" ] && cur=$(< "$r/usr/bin/curl")
    [ "$cur"$'\n' = "$c" ] || { printf '%s' "$c" > "$r/usr/bin/curl"; chmod 755 "$r/usr/bin/curl"; }
  fi
}
docker_exec() {
  local in=0 wd="" envs=() u=""
  while [[ ${1:-} == -* ]]; do
    case "$1" in
      -i|--interactive) in=1 ;; -t|--tty|-d|--detach|--privileged) ;; -it|-ti) in=1 ;;
      -e|--env) envs+=("$2"); shift ;; --env=*) envs+=("${1#--env=}") ;; -e*) envs+=("${1#-e}") ;;
      -w|--workdir) wd=$2; shift ;; --workdir=*) wd=${1#--workdir=} ;;
      -u|--user) u=$2; shift ;; --user=*) u=${1#--user=} ;;
    esac; shift
  done
  local c=$1; shift
  has "$c" || nosuch "$c"
  local st; eff_state_r "$c"; st=$REPLY
  case "$st" in
    paused) echo "Error response from daemon: Container $(full_id "$c") is paused, unpause the container before exec" >&2; exit 1 ;;
    restarting) echo "Error response from daemon: Container $(full_id "$c") is restarting, wait until the container is running" >&2; exit 1 ;;
    running) ;;
    *) echo "Error response from daemon: container $(full_id "$c") is not running" >&2; exit 1 ;;
  esac
  # the sidecar binary's own subcommands act on the simulated sidecar process
  if [ "$c" = k2-sidecar ] && [ "${1:-}" = k2-sidecar ]; then
    case "$*" in
      *set-usage*) # the argument after set-usage (none: an empty one, as Go's flag.Arg(1))
        local a gb="" next=0; for a in "$@"; do [ "$next" = 1 ] && { gb=$a; break; }; [ "$a" = set-usage ] && next=1; done
        meter_set_usage "$gb" || exit 1 ;;
      *) echo "time=$(ts) level=ERROR msg=\"unknown command\" component=sidecar" >&2; exit 1 ;;
    esac
    exit 0
  fi
  local r; ctr_root_r "$c"; r=$REPLY
  [ -d "$r/bin" ] || ctr_fs_create "$c"
  net_tools "$r" "$c"
  # runc resolves the command in the container's PATH; a command the image lacks fails to start (exit 127,
  # the OCI error on the exec's stdout, as dockerd writes it into the stream)
  local cmd=${1:-} found="" d
  if [[ $cmd == */* ]]; then [ -e "$r$cmd" ] || [ -L "$r$cmd" ] && found=$cmd
  else for d in ${IMAGE_PATH//:/ }; do if [ -e "$r$d/$cmd" ] || [ -L "$r$d/$cmd" ]; then found=$d/$cmd; break; fi; done; fi
  if [ -z "$found" ]; then
    if [[ $cmd == */* ]]; then printf 'OCI runtime exec failed: exec failed: unable to start container process: exec: "%s": stat %s: no such file or directory: unknown\r\n' "$cmd" "$cmd"
    else printf 'OCI runtime exec failed: exec failed: unable to start container process: exec: "%s": executable file not found in $PATH: unknown\r\n' "$cmd"; fi
    exit 127
  fi
  # the exec's environment: PATH and HOSTNAME, the container's Config.Env over them, -e, then HOME (runc's, for root)
  cid_r "$c"
  local ev=("PATH=$IMAGE_PATH" "HOSTNAME=$REPLY") kv i k
  # env_list's lines, without its process
  local all=() ek et=""; for ek in ${C_ENVK[$c]:-}; do et+="$ek=${C_ENV[$c|$ek]}"$'\n'; done
  [ -n "${C_ENV[$c|PATH]+x}" ] || et+="PATH=$IMAGE_PATH"$'\n'
  while IFS= read -r kv; do all+=("$kv"); done <<< "${et%$'\n'}"
  for kv in "${all[@]}" "${envs[@]}"; do
    [[ $kv == *=* ]] || { [ -n "${C_ENV[$c|$kv]+x}" ] && kv="$kv=${C_ENV[$c|$kv]}" || continue; }
    k=${kv%%=*}
    for i in "${!ev[@]}"; do [ "${ev[i]%%=*}" = "$k" ] && { ev[i]=$kv; continue 2; }; done
    ev+=("$kv")
  done
  for i in "${!ev[@]}"; do [ "${ev[i]%%=*}" = HOME ] && break; done
  [ "${ev[i]%%=*}" = HOME ] || ev+=("HOME=/root")
  local mounts=() m
  while IFS= read -r m; do [ -n "$m" ] && mounts+=("$m"); done <<< "${C_MOUNTS[$c]:-}"
  unlock
  [ -n "$wd" ] || case "$c" in k2-sidecar|k2s|k2-slave|k2v5) wd=/app ;; *) wd=/ ;; esac # workdir_of
  exec unshare --mount --pid --fork --propagation private -- bash -c "$CEXEC" _ "$r" "$wd" "$in" "${mounts[@]}" -- \
    "${ev[@]}" unshare --root="$r" --wd="$wd" -- "$@"
}
