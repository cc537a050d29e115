#!/usr/bin/env bash
# sshd ForceCommand of every simulated node: records the command line exactly as
# it arrived (tests prove no secret ever travels there), applies injected faults,
# then runs it with the node's shims first on PATH.
K2SIM=/var/lib/k2sim
cmd="${SSH_ORIGINAL_COMMAND-}"
# the record as `jq -cn '{ts, user, command}'` writes it; built here for a plain command line (printable
# ASCII, tabs, newlines: no fork), by jq for anything else (control characters, non-ASCII: jq's escapes)
record() {
  local t=${EPOCHREALTIME//[!0-9]/} u=${USER:-} c LC_ALL=C
  t=${t:0:13}
  [ -n "$u" ] || u=$(id -un)
  if [[ $cmd$u == *[!\ -~$'\t\n']* ]]; then
    jq -cn --argjson ts "$t" --arg u "$u" --arg c "$cmd" '{ts: $ts, user: $u, command: $c}'
    return
  fi
  c=${cmd//\\/\\\\}; c=${c//\"/\\\"}; c=${c//$'\n'/\\n}; c=${c//$'\t'/\\t}
  u=${u//\\/\\\\}; u=${u//\"/\\\"}
  printf '{"ts":%s,"user":"%s","command":"%s"}\n' "$t" "$u" "$c"
}
record >> "$K2SIM/commands.jsonl" 2>/dev/null
if [ -s "$K2SIM/faults/latency" ]; then read -r lat < "$K2SIM/faults/latency"; sleep "$lat"; fi
if [ -s "$K2SIM/faults/hang" ] && printf '%s' "$cmd" | grep -qE -f "$K2SIM/faults/hang"; then exec sleep infinity; fi
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
cd "$HOME" 2>/dev/null || cd /
[ -n "$cmd" ] || exit 0
exec bash -c "$cmd"
