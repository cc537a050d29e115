# shellcheck shell=bash
# Part of the docker shim (sourced by it when a command needs it: each shim call parses only what it runs).
# ---- docker logs ----
since_key_r() { # since_key → REPLY; an invalid value: the error, exit 1
  # a UTC time as docker inspect prints it (what the console passes): no `date` needed
  if [[ $1 =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.([0-9]{1,9}))?Z$ ]]; then
    local n=${BASH_REMATCH[3]}000 d=${BASH_REMATCH[1]}
    # a date every month has (else date's own verdict)
    if [[ ${d:5:2} < 13 && ${d:5:2} > 00 && ${d:8:2} < 29 && ${d:8:2} > 00 && ${d:11:2} < 24 && ${d:14:2} < 60 && ${d:17:2} < 60 ]]; then
      REPLY="$d.${n:0:3}"; return 0
    fi
  fi
  REPLY=$(since_key "$1") || exit 1
}
since_key() { # docker logs --since VALUE (RFC 3339 time, Unix seconds, or a duration like 10m / 24h) → "YYYY-MM-DDTHH:MM:SS.mmm" UTC
  local v=$1 n u
  case "$v" in
    "") echo "" ;;
    *[0-9][smh]) n=${v%?}; case "${v: -1}" in s) u=seconds ;; m) u=minutes ;; h) u=hours ;; esac; date -u -d "-$n $u" +%Y-%m-%dT%H:%M:%S.%3N ;;
    *[!0-9.]*) date -u -d "$v" +%Y-%m-%dT%H:%M:%S.%3N 2>/dev/null || { echo "invalid value \"$v\" for flag --since: failed to parse value as time or duration: \"$v\"" >&2; exit 1; } ;;
    *) date -u -d "@$v" +%Y-%m-%dT%H:%M:%S.%3N ;;
  esac
}
time_ms() { # time_ms FLAG VALUE — --since/--until as epoch ms (0 = not given)
  local f=$1 v=$2 n
  case "$v" in
    "") echo 0 ;;
    *[0-9][smh]) n=${v%?}; case "${v: -1}" in s) n=$((n * 1000)) ;; m) n=$((n * 60000)) ;; h) n=$((n * 3600000)) ;; esac; echo $((NOW - n)) ;;
    *[!0-9.]*) date -u -d "$v" +%s%3N 2>/dev/null || { echo "invalid value \"$v\" for flag --$f: failed to parse value as time or duration: \"$v\"" >&2; exit 1; } ;;
    *) echo $(( ${v%%.*} * 1000 )) ;;
  esac
}
docker_logs() {
  local tail_n="" follow=0 c="" since="" until="" stamps=0
  while [ $# -gt 0 ]; do case "$1" in --tail|-n) tail_n=$2; shift ;; --tail=*) tail_n=${1#--tail=} ;; --since) since=$2; shift ;; --since=*) since=${1#--since=} ;; --until) until=$2; shift ;; --until=*) until=${1#--until=} ;; -f|--follow) follow=1 ;; -t|--timestamps) stamps=1 ;; -ft|-tf) follow=1; stamps=1 ;; *) c=$1 ;; esac; shift; done
  has "$c" || nosuch "$c"
  [ "$tail_n" = all ] && tail_n=""
  if [ "$c" = k2-sidecar ]; then
    local skey=""; [ -z "$since" ] || { since_key_r "$since"; skey=$REPLY; }
    # flushed per line: with 2>&1 the two streams interleave in time order, as Docker's do
    local route='{ s = substr($0, 3); if (substr($0, 1, 1) == "1") { print s; fflush() } else { print s > "/dev/stderr"; fflush("/dev/stderr") } }'
    # --since keeps entries logged at or after the time (Docker stamps each entry; an
    # entrypoint line without its own time goes with the next timestamped one)
    local keep='{ t = (substr($0, 3, 5) == "time=") ? substr($0, 8, 23) : "" } t == "" { b[++nb] = $0; next } { k = (since == "" || t >= since); for (i = 1; i <= nb; i++) if (k) print b[i]; nb = 0; if (k) print } END { for (i = 1; i <= nb; i++) print b[i] }'
    # one awk: the kept lines are routed as they are printed
    local both='function emit(l,  s) { s = substr(l, 3); if (substr(l, 1, 1) == "1") { print s; fflush() } else { print s > "/dev/stderr"; fflush("/dev/stderr") } }
      { t = (substr($0, 3, 5) == "time=") ? substr($0, 8, 23) : "" } t == "" { b[++nb] = $0; next } { k = (since == "" || t >= since); for (i = 1; i <= nb; i++) if (k) emit(b[i]); nb = 0; if (k) emit($0) } END { for (i = 1; i <= nb; i++) emit(b[i]) }'
    if [ -n "$tail_n" ]; then tail -n "$tail_n" "$SLOG" | awk -v since="$skey" "$both"; else awk -v since="$skey" "$both" "$SLOG"; fi
    if [ "$follow" = 1 ]; then
      unlock
      # a real sidecar writes as time passes: while someone follows, the simulated one is advanced
      # every 2 s (its reports, meter lines, restart-loop runs), not only when a command touches the node
      ( while sleep 2 && kill -0 $$ 2> /dev/null; do lock; tick > /dev/null 2>&1; unlock; done ) &
      local ticker=$!
      # tail ends with this process (a follower killed by timeout or a closed session), at the latest after 15 min
      timeout 900 tail -n 0 -f --pid=$$ "$SLOG" | while IFS= read -r l; do if [ "${l:0:1}" = 1 ]; then printf '%s\n' "${l:2}"; else printf '%s\n' "${l:2}" >&2; fi; done
      kill "$ticker" 2> /dev/null
    fi
    return 0
  fi
  # any other container: the daemon's own time per entry filters (--since/--until) and prints (-t) it
  local sms=0 ums=0
  [ -z "$since" ] || { sms=$(time_ms since "$since") || exit 1; }
  [ -z "$until" ] || { ums=$(time_ms until "$until") || exit 1; }
  local f="$K2SIM/$c.log"
  [ -f "$f" ] || { [ "$follow" = 1 ] || return 0; : > "$f"; }
  local fmt='function out(s, t, x,   p) { p = ts ? strftime("%Y-%m-%dT%H:%M:%S", int(t / 1000), 1) sprintf(".%03d000000Z ", t % 1000) : ""; if (s == "1") { print p x; fflush() } else { print p x > "/dev/stderr"; fflush("/dev/stderr") } }
    { sp = index(substr($0, 3), " "); t = substr($0, 3, sp - 1) + 0; x = substr($0, 3 + sp); s = substr($0, 1, 1) }'
  awk -v since="$sms" -v until="$ums" -v ts="$stamps" -v n="${tail_n:--1}" "$fmt"'
    (since > 0 && t < since) || (until > 0 && t >= until) { next }
    { S[++m] = s; T[m] = t; X[m] = x }
    END { from = (n >= 0 && m > n) ? m - n + 1 : 1; for (i = from; i <= m; i++) out(S[i], T[i], X[i]) }' "$f"
  if [ "$follow" = 1 ]; then
    unlock
    ( while sleep 2 && kill -0 $$ 2> /dev/null; do lock; tick > /dev/null 2>&1; unlock; done ) &
    local ticker=$!
    # line by line as they come (awk would wait for a full input buffer)
    local l st t x p=""
    timeout 900 tail -n 0 -f --pid=$$ "$f" | while IFS= read -r l; do
      st=${l:0:1}; t=${l:2}; t=${t%% *}; x=${l:3+${#t}}
      [ "$stamps" = 1 ] && { TZ=UTC printf -v p '%(%Y-%m-%dT%H:%M:%S)T.%03d000000Z ' $((t / 1000)) $((t % 1000)); }
      if [ "$st" = 1 ]; then printf '%s%s\n' "$p" "$x"; else printf '%s%s\n' "$p" "$x" >&2; fi
    done
    kill "$ticker" 2> /dev/null
  fi
  return 0
}
