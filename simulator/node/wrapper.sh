#!/usr/bin/env bash
# sshd ForceCommand of every simulated node: records the command line exactly as
# it arrived (tests prove no secret ever travels there), applies injected faults,
# then runs it with the node's shims first on PATH.
K2SIM=/var/lib/k2sim
cmd="${SSH_ORIGINAL_COMMAND-}"
jq -cn --argjson ts "$(date +%s%3N)" --arg u "$(id -un)" --arg c "$cmd" '{ts: $ts, user: $u, command: $c}' >> "$K2SIM/commands.jsonl" 2>/dev/null
[ -s "$K2SIM/faults/latency" ] && sleep "$(cat "$K2SIM/faults/latency")"
if [ -s "$K2SIM/faults/hang" ] && printf '%s' "$cmd" | grep -qE -f "$K2SIM/faults/hang"; then exec sleep infinity; fi
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
cd "$HOME" 2>/dev/null || cd /
[ -n "$cmd" ] || exit 0
exec bash -c "$cmd"
