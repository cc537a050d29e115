// The §6 checklist as ONE script, sent on stdin (`bash -s`), never on a
// command line. It reads no secret (only two .env keys are grepped), runs
// each check under its own `timeout` so one hung check cannot hang the rest,
// and prints sections fenced by a random per-run token that node output
// cannot forge. It checks what real nodes do, not the runbook's literal
// commands: sidecar logs are on stderr (2>&1), "server ready" is in
// <dir>/logs/k2s.log, not in `docker logs k2s`.

export const SECTION_TIMEOUT_S = 10;

export const SECTIONS = [
  "names",
  "timezone",
  "containers",
  "sidecar_health",
  "sidecar_logs",
  "k2s_ready",
  "container_net",
  "port_mapping",
  "version",
  "billing",
  "bbr",
  "ipv6",
  "iptables",
] as const;
export type SectionKey = (typeof SECTIONS)[number] | "meta";

/**
 * A script that runs each section's command under its own timeout and fences
 * its output with the run's token. `sections` are fixed strings from this
 * codebase (never user input); $D and $C are the detected deploy dir and
 * tunnel container.
 */
export function fencedScript(token: string, sections: [key: string, command: string][]): string {
  if (!/^[0-9a-f]{16,64}$/.test(token)) throw new Error("token must be 16-64 hex characters");
  return `set -u
T=${token}
sec() { echo "===K2OPS $T BEGIN $1==="; }
fin() { echo "===K2OPS $T END $1 rc=$2==="; }
# output is captured so the END fence always starts a line (wget prints no newline)
run() { local out rc; sec "$1"; out=$(timeout ${SECTION_TIMEOUT_S} bash -c "$2" 2>&1 </dev/null); rc=$?; [ -n "$out" ] && printf '%s\\n' "$out"; fin "$1" $rc; }
D=/apps/k2s
if [ ! -f "$D/docker-compose.yml" ] && [ -d /apps/kaitu-slave ]; then D=/apps/kaitu-slave; fi
C=k2s
if timeout 5 docker ps --format '{{.Names}}' 2>/dev/null | grep -qx k2-slave; then C=k2-slave; fi
sec meta; echo "dir=$D"; echo "tunnel=$C"; fin meta 0
${sections.map(([k, c]) => `run ${k} "${c}"`).join("\n")}
exit 0
`;
}

export function buildVerificationScript({ token }: { token: string }): string {
  return fencedScript(token, [
    ["names", "docker ps --format '{{.Names}}'"],
    ["timezone", "timedatectl | grep 'Time zone'"],
    ["containers", "cd $D && docker compose ps"],
    ["sidecar_health", "docker inspect --format='{{.State.Health.Status}}' k2-sidecar"],
    ["sidecar_logs", "docker logs k2-sidecar 2>&1 | grep -E 'Registration completed|Tunnel registered|Traffic monitor initialized|usage-reporter-(start|cycle-ok|cycle-fail|meter-fail)|Metering disabled|level=ERROR' | tail -n 80"],
    ["k2s_ready", "grep 'server ready' $D/logs/k2s.log | tail -n 3"],
    ["container_net", "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org"],
    ["port_mapping", "docker port $C"],
    ["version", "docker inspect -f '{{.Config.Image}}' $C"],
    ["billing", "grep -E '^(K2_NODE_BILLING_START_DATE|K2_NODE_TRAFFIC_LIMIT_GB)=' $D/.env"],
    ["bbr", "sysctl net.ipv4.tcp_congestion_control"],
    ["ipv6", "ip -6 addr show scope global"],
    ["iptables", "iptables --version"],
  ]);
}
