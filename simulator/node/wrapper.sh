#!/usr/bin/env bash
# sshd ForceCommand of every simulated node: records the command line exactly
# as it arrived (tests prove no secret ever travels there), applies injected
# faults, then runs it with the node's shims first on PATH.
SIM=/apps/.k2ops-sim
cmd="${SSH_ORIGINAL_COMMAND-}"
esc=$(printf '%s' "$cmd" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' | sed -e ':a;N;$!ba;s/\n/\\n/g')
printf '{"ts":%s,"user":"%s","command":"%s"}\n' "$(date +%s%3N)" "$(id -un)" "$esc" >> "$SIM/commands.jsonl" 2>/dev/null
[ -f "$SIM/fault.latency" ] && sleep "$(cat "$SIM/fault.latency")"
if [ -s "$SIM/fault.hang" ] && printf '%s' "$cmd" | grep -qE -f "$SIM/fault.hang"; then exec sleep infinity; fi
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
[ -n "$cmd" ] || exit 0
exec bash -c "$cmd"
