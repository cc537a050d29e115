// What one command costs ON a simulated node: the processes it spawns and the CPU they burn.
// Every simulated node shares the test machine's cores, so the shims' own cost (bash parsing
// the shim library, the forks of its command substitutions, jq, awk …) is the floor of every
// integration suite and of the fleet benchmarks (issue 17).
//
// The count is exact: the command runs in a fresh PID namespace (and its own /proc), entered
// from the node's running mount namespace (SimNode.inNode), where PIDs are handed out one after
// another from 1. A probe `sh -c 'echo $$'` before and after the command brackets the PIDs the
// command took: every process it forked (and every thread: a thread takes a PID too), its own
// first process included — `true` counts 1. The CPU is its children's rusage (bash's `time`:
// user + sys of everything the command waited for), the wall time that of the same run.
import type { SimNode } from "./fleet";

export type Cost = {
  /** processes (and threads) the command line created, its own first process included (`true` = 1) */
  processes: number;
  /** user + sys CPU of the command and everything it waited for, in ms */
  cpuMs: number;
  /** wall time of the run, in ms */
  wallMs: number;
  /** the command's exit status (of the last run) */
  code: number;
};

export type MeasureOptions = {
  /** runs to average over (default 1); processes, CPU and wall time are the mean per run */
  runs?: number;
  /** the directory the command starts in (default: the user's home, as an SSH session's) */
  cwd?: string;
  /**
   * through the node's sshd ForceCommand (wrapper.sh), as an SSH session runs it: the command is
   * recorded in commands.jsonl like any that arrived over SSH (default false: the command alone)
   */
  viaWrapper?: boolean;
};

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// The measuring shell (PID 1 of the new PID namespace). $1 command, $2 user, $3 runs, $4 cwd, $5 wrapper (1/0).
// Per run: "P <pid>" before, the `time` line, "P <pid>" after; the command's own output goes to /dev/null.
const PROBE = `cmd=$1 user=$2 runs=$3 cwd=$4 wrap=$5
TIMEFORMAT='T %3R %3U %3S'
home=/root; [ "$user" = root ] || home=/home/$user
[ -n "$cwd" ] || cwd=$home
cd "$cwd" 2>/dev/null || cd /
if [ "$wrap" = 1 ]; then set -- env SSH_ORIGINAL_COMMAND="$cmd" /var/lib/k2sim/wrapper.sh; else set -- bash -c "$cmd"; fi
[ "$user" = root ] || set -- setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
set -- env HOME="$home" USER="$user" LOGNAME="$user" "$@"
for ((i = 0; i < runs; i++)); do
  sh -c 'echo "P $$"'
  { time "$@" >/dev/null 2>&1 </dev/null; } 2>&1
  echo "C $?"
  sh -c 'echo "P $$"'
done`;

/**
 * Runs `command` on the node (in its running namespace, as `user`, `bash -c`) and measures it:
 * processes spawned (exact: a fresh PID namespace) and CPU (user + sys of the command and its
 * children). The command's output is discarded. Needs root (the test process's).
 */
export async function measureOnNode(node: SimNode, command: string, user: "root" | "ubuntu" = "ubuntu", opts: MeasureOptions = {}): Promise<Cost> {
  const runs = Math.max(1, Math.trunc(opts.runs ?? 1));
  const probe = `exec unshare --mount --pid --fork --mount-proc --propagation private -- bash -c ${q(PROBE)} _ ${q(command)} ${q(user)} ${runs} ${q(opts.cwd ?? "")} ${opts.viaWrapper ? 1 : 0}`;
  const r = await node.inNode(probe, "root");
  if (r.code !== 0) throw new Error(`measureOnNode ${node.ip}: the probe failed (exit ${r.code}): ${r.stderr.slice(-500)}`);
  return parseProbe(r.stdout, runs);
}

/** The probe's lines → the mean cost per run (exported for the unit test). */
export function parseProbe(out: string, runs: number): Cost {
  const pids: number[] = [];
  const times: number[][] = [];
  let code = 0;
  for (const line of out.split("\n")) {
    const [tag, ...rest] = line.trim().split(/\s+/);
    if (tag === "P") pids.push(Number(rest[0]));
    else if (tag === "T") times.push(rest.map(Number));
    else if (tag === "C") code = Number(rest[0]);
  }
  if (pids.length !== 2 * runs || times.length !== runs || pids.some((p) => !Number.isFinite(p)) || times.some((t) => t.length !== 3 || t.some((x) => !Number.isFinite(x)))) {
    throw new Error(`measureOnNode: unexpected probe output: ${out.slice(0, 500)}`);
  }
  let processes = 0;
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < runs; i++) {
    // the PIDs strictly between the two probes are the command's
    processes += pids[2 * i + 1] - pids[2 * i] - 1;
    wall += times[i][0];
    cpu += times[i][1] + times[i][2];
  }
  return { processes: processes / runs, cpuMs: Math.round((cpu * 1000) / runs), wallMs: Math.round((wall * 1000) / runs), code };
}
