// The §6 checklist as ONE script, sent on stdin (`bash -s`), never on a
// command line. It reads no secret (only two .env keys are grepped), runs
// each check under its own `timeout` so one hung check cannot hang the rest,
// and prints sections fenced by a random per-run token that node output
// cannot forge. It checks what real nodes do, not the runbook's literal
// commands: sidecar logs are on stderr (2>&1), "server ready" is in
// <dir>/logs/k2s.log, not in `docker logs k2s`.
//
// Evidence must belong to the CURRENT container run: the preamble reads each
// container's State.StartedAt, sidecar log checks read `docker logs --since
// <StartedAt>` (one pattern per check, its own `tail -n`, so no line scrolls
// out however long the node has run), and the parser drops any timestamped
// line older than the start. Each section also reports the exit status of
// every stage of its last pipeline (PIPE fence), so "grep found nothing"
// (exit 1) is never confused with "the command failed".

export const SECTION_TIMEOUT_S = 10;

/** How long a just-(re)started container may still be starting before a missing line is a failure (ms). */
export const SETTLE_MS = 30_000;

/** The sections the one sidecar-log read fills (see COMMANDS.sidecar_log), in the order it prints them. */
export const SIDECAR_LOG_SECTIONS = ["registration", "tunnel_domain", "meter", "reporter"] as const;

// No single quote inside (the command is single-quoted on the node); index() is grep -F.
const SIDECAR_LOG_AWK =
  'index($0,"Registration completed"){r=$0} index($0,"Tunnel registered"){t=$0} ' +
  'index($0,"Traffic monitor initialized")||index($0,"Metering disabled"){m=$0} index($0,"usage-reporter-"){u[n%20]=$0;n++} ' +
  'END{n+=0;if(r!="")print "registration " r;if(t!="")print "tunnel_domain " t;if(m!="")print "meter " m;for(i=(n>20?n-20:0);i<n;i++)print "reporter " u[i%20]}';

/**
 * Each section's command as it runs on the node (and as the operator sees it,
 * with $D, $C, $SS, $KS replaced by their values, see shownCommand). Variables:
 * $D deploy dir, $C tunnel container, $SS / $KS State.StartedAt of k2-sidecar /
 * the tunnel container (RFC 3339, UTC). Files are read with `sudo -n`, as the
 * operations that read them do (.env is 0600; k2s's log file belongs to root).
 */
export const COMMANDS = {
  names: "docker ps --format '{{.Names}}'",
  timezone: "timedatectl | grep 'Time zone'",
  // compose reads .env (0600) first: with sudo, as the operations run compose
  containers: 'cd "$D" && sudo -n docker compose ps --format json',
  // ONE read of the current run's sidecar log serves four checks (registration, tunnel_domain,
  // meter, reporter): awk keeps each one's last matching line(s), tagged with its section, and the
  // script fences each section apart. grep -F semantics (index), the reporter's last 20 lines.
  sidecar_log: `docker logs --since "$SS" k2-sidecar 2>&1 | awk '${SIDECAR_LOG_AWK}'`,
  // the cause of a restart loop is in the runs BEFORE the current one: recent lines of the whole log
  sidecar_errors: "docker logs --tail 300 k2-sidecar 2>&1 | grep -F 'level=ERROR' | tail -n 5",
  k2s_ready: `sudo -n grep -F 'server ready' "$D/logs/k2s.log" | tail -n 1`,
  container_net: "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org",
  port_mapping: 'docker port "$C"',
  billing: `sudo -n grep -E '^(K2_NODE_BILLING_START_DATE|K2_NODE_TRAFFIC_LIMIT_GB)=' "$D/.env"`,
  bbr: "sysctl net.ipv4.tcp_congestion_control",
  ipv6: "ip -6 addr show scope global",
  iptables: "iptables --version",
} as const;

/** Every section the checklist prints (the sidecar-log read prints four). */
export const SECTIONS = (Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]).flatMap((k) => (k === "sidecar_log" ? [...SIDECAR_LOG_SECTIONS] : [k]));
export type SectionKey = Exclude<keyof typeof COMMANDS, "sidecar_log"> | (typeof SIDECAR_LOG_SECTIONS)[number] | "meta";

/** The values the script's variables had on the node, from the meta section. */
export type ScriptVars = { D: string; C: string; SS: string; KS: string };

/** A section's command as it ran on the node: its variables replaced by their values (all are plain paths, names and timestamps). */
export function shownCommand(key: keyof typeof COMMANDS, v: ScriptVars): string {
  const expand = (t: string) => t.replace(/\$(D|C|SS|KS)\b/g, (_m, name: keyof ScriptVars) => v[name]);
  // a double-quoted word with a variable: its value (paths, names and timestamps need no quotes), '' when empty
  return COMMANDS[key].replace(/"([^"]*\$(?:D|C|SS|KS)\b[^"]*)"/g, (_m, inner: string) => expand(inner) || "''").replace(/\$(D|C|SS|KS)\b/g, (_m, name: keyof ScriptVars) => v[name] || "''");
}

/** Whether a command is one stage with no redirection (no pipe, `&`, `;`, `<`/`>`, substitution or newline; "$D"-style quoted variables allowed): it then runs under `timeout` as it is, without a `bash -c`. */
export const isSingleStage = (command: string): boolean => !/[|&;<>`$(\n]/.test(command.replace(/"\$(D|C|SS|KS)"/g, ""));

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A script that runs each section's command under its own timeout and fences
 * its output with the run's token. `sections` are fixed strings from this
 * codebase (never user input); the variables they use ($D, $C, $SS, $KS) are
 * exported by the preamble. After each command, the exit status of every stage
 * of its last pipeline is printed as `===K2OPS <token> PIPE <rc> <rc>…===`
 * (the END fence carries the last one).
 *
 * Few processes on the node (issue 17): a single-stage command runs under
 * `timeout` directly (written into the script as is: no `bash -c`); a pipeline
 * runs in `bash -c` (for its PIPESTATUS); the section `sidecar_log` is ONE
 * `docker logs` read whose tagged lines become the four SIDECAR_LOG_SECTIONS
 * (each with PIPE <docker> <matched 0|1> <awk>, the shape of a grep pipeline);
 * it is skipped when the sidecar's StartedAt is unknown (the parser says why).
 */
export function fencedScript(token: string, sections: [key: string, command: string][]): string {
  if (!/^[0-9a-f]{16,64}$/.test(token)) throw new Error("token must be 16-64 hex characters");
  const line = ([k, c]: [string, string]) => {
    if (k === "sidecar_log") return `[ -n "$SS" ] && runlog ${q(c)}`;
    // one stage, no redirection: the fixed command goes into the script as it is
    if (isSingleStage(c)) return `sec ${k}; timeout ${SECTION_TIMEOUT_S} ${c} 2>&1 </dev/null | mapfile -t OUT; one ${k} \${PIPESTATUS[0]}`;
    return `run ${k} ${q(c)}`;
  };
  // the names section, when asked for, runs first: the tunnel container's name comes from its output (one `docker ps` less)
  const names = sections.find(([k]) => k === "names");
  const tunnel = names
    ? `${line(names)}\nfor n in "\${OUT[@]}"; do [ "$n" = k2-slave ] && C=k2-slave; done`
    : `if timeout 5 docker ps --format '{{.Names}}' 2>/dev/null | grep -qx k2-slave; then C=k2-slave; fi`;
  const rest = sections.filter(([k]) => k !== "names").map(line);
  // Output is read by mapfile in this shell (lastpipe), not by $(…) subshells; the clock comes from bash itself.
  return `set -u
shopt -s lastpipe
T=${token}
OUT=()
sec() { echo "===K2OPS $T BEGIN $1==="; }
fin() { echo "===K2OPS $T END $1 rc=$2==="; }
# every stage's exit status of the command's last pipeline, then its own exit status
TRAILER='
k2ops_ps=("\${PIPESTATUS[@]}"); echo "===K2OPS '"$T"' PIPE \${k2ops_ps[*]}==="; exit "\${k2ops_ps[\${#k2ops_ps[@]}-1]}"'
# output is captured (into OUT) so the END fence always starts a line (wget prints no newline)
run() {
  local rc; sec "$1"
  timeout ${SECTION_TIMEOUT_S} bash -c "$2$TRAILER" 2>&1 </dev/null | mapfile -t OUT; rc=\${PIPESTATUS[0]}
  while [ \${#OUT[@]} -gt 0 ] && [ -z "\${OUT[-1]}" ]; do unset 'OUT[-1]'; done
  [ \${#OUT[@]} -gt 0 ] && printf '%s\\n' "\${OUT[@]}"; fin "$1" $rc
}
# a single-stage section's end: its output, its one status (none when the timeout killed it)
one() {
  [ \${#OUT[@]} -gt 0 ] && printf '%s\\n' "\${OUT[@]}"
  [ "$2" = 124 ] || echo "===K2OPS $T PIPE $2==="; fin "$1" "$2"
}
# the sidecar-log read: lines "<section> <line>" go to their section; any other line (an error) to each
runlog() {
  local rc k l p= f
  timeout ${SECTION_TIMEOUT_S} bash -c "$1$TRAILER" 2>&1 </dev/null | mapfile -t OUT; rc=\${PIPESTATUS[0]}
  for l in "\${OUT[@]}"; do case $l in *"===K2OPS $T PIPE "*===) p=\${l##*"===K2OPS $T PIPE "}; p=\${p%===} ;; esac; done
  for k in ${SIDECAR_LOG_SECTIONS.join(" ")}; do
    sec $k; f=1
    for l in "\${OUT[@]}"; do
      case $l in
        "$k "*) printf '%s\\n' "\${l#"$k "}"; f=0 ;;
        ${SIDECAR_LOG_SECTIONS.map((s) => `"${s} "*`).join(" | ")}) ;;
        *"===K2OPS $T PIPE "*===) l=\${l%"===K2OPS $T PIPE "*}; [ -n "$l" ] && printf '%s\\n' "$l" ;;
        *) printf '%s\\n' "$l" ;;
      esac
    done
    [ -n "$p" ] && echo "===K2OPS $T PIPE \${p%% *} $f \${p#* }==="; fin $k $rc
  done
}
D=/apps/k2s
if [ ! -f "$D/docker-compose.yml" ] && [ -d /apps/kaitu-slave ]; then D=/apps/kaitu-slave; fi
C=k2s
${tunnel}
# when each container's current run started (evidence older than that belongs to an earlier run); the tunnel's image too
timeout 5 docker inspect --format '{{.State.StartedAt}} {{.RestartCount}}' k2-sidecar 2>&1 </dev/null | mapfile -t OUT; SRC=\${PIPESTATUS[0]}; SI=\${OUT[0]:-}
timeout 5 docker inspect --format '{{.State.StartedAt}} {{.RestartCount}} {{.Config.Image}}' "$C" 2>&1 </dev/null | mapfile -t OUT; KRC=\${PIPESTATUS[0]}; KI=\${OUT[0]:-}
SS=; KS=
[ $SRC = 0 ] && SS=\${SI%% *}; case $SS in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*) ;; *) SS= ;; esac
[ $KRC = 0 ] && KS=\${KI%% *}; case $KS in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*) ;; *) KS= ;; esac
export D C SS KS
if [ -n "\${EPOCHREALTIME:-}" ]; then e=\${EPOCHREALTIME/,/.}; TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%S)T.%sZ' "\${e%.*}" "\${e#*.}"; else now=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); fi
sec meta; echo "dir=$D"; echo "tunnel=$C"; echo "now=$now"
echo "sidecar_inspect=$SRC $SI"; echo "tunnel_inspect=$KRC $KI"; fin meta 0
${rest.join("\n")}
exit 0
`;
}

/** The whole checklist script for one run; `token` is 16-64 hex characters (the fence). */
export function buildVerificationScript({ token }: { token: string }): string {
  return fencedScript(token, Object.entries(COMMANDS));
}
