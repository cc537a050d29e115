// How a command is sent so that k2ops knows its process group on the node (the one-line wrapper,
// the stdin script prelude) and the script that kills that group and confirms it is gone.

/** POSIX single quotes: nothing inside is interpreted. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const PGID_MARK = "k2ops-pgid:";
export const PGID_LINE = /k2ops-pgid:(\d{1,10}):(\d{1,10})\r?\n/;

const WRAP_HEAD = `exec setsid -w sh -c 'printf "${PGID_MARK}%s:%s\\n" "$$" "$$" >&2; s="\${SHELL:-/bin/sh}"; exec "\${s##*/}" -c "$1"' k2ops `;

/**
 * A one-line command runs as the session leader of a new session (so in its
 * own process group), in the user's shell started as sshd starts it (argv[0]
 * is its base name, as in "bash: line 1: …"), after printing its group and
 * process id. `setsid -w` forks when it must and passes the exit status on.
 */
export function wrapLine(command: string): string {
  return WRAP_HEAD + shQuote(command);
}

/**
 * The command k2ops meant, from a line as it arrived on a node (e.g. a node's
 * command log): one-line commands are sent inside the process-group wrapper.
 * Any other line is returned as it is.
 */
export function unwrappedCommand(line: string): string {
  if (!line.startsWith(WRAP_HEAD)) return line;
  const q = line.slice(WRAP_HEAD.length);
  if (!/^'(?:[^']|'\\'')*'$/.test(q)) return line;
  return q.slice(1, -1).replace(/'\\''/g, "'");
}

// A stdin script keeps its `bash -s` command line: its first line reports the
// group it runs in (sshd made the shell a session leader; sudo with use_pty
// gives the command its own group, without it the group is sudo's own).
export const SCRIPT_PRELUDE = `read -r k2ops_1 k2ops_2 k2ops_3 k2ops_4 k2ops_pg k2ops_5 < /proc/$$/stat; printf '${PGID_MARK}%s:%s\\n' "$k2ops_pg" "$$" >&2; unset k2ops_1 k2ops_2 k2ops_3 k2ops_4 k2ops_pg k2ops_5\n`;

// The kill, on stdin to `sh -s -- <pgid> <pid>` (`sudo -n` when the command
// used sudo). It gathers the group's members and every descendant of the
// command (sudo puts its child in a session of its own), sends TERM, waits up
// to 2 s, sends KILL to what is left, and prints whether anything survived.
// Zombies count as gone: they run nothing and their parent or init reaps them.
export const KILL_SCRIPT = [
  `P=$1; W=$2; S=" $W "; L=""`,
  `scan() {`,
  `  n=1; i=0`,
  `  while [ $n -gt 0 ] && [ $i -lt 12 ]; do`,
  `    n=0; i=$((i+1)); L=""`,
  `    for f in /proc/[0-9]*/stat; do`,
  `      read -r l < "$f" 2>/dev/null || continue`,
  `      p=\${f#/proc/}; p=\${p%/stat}; r=\${l##*")"}`,
  `      set -- $r`,
  `      [ "$1" = Z ] && continue`,
  `      case "$S" in *" $p "*) L="$L $p"; continue;; esac`,
  `      case "$S" in *" $2 "*) S="$S$p "; L="$L $p"; n=$((n+1)); continue;; esac`,
  `      if [ "$3" = "$P" ]; then S="$S$p "; L="$L $p"; n=$((n+1)); fi`,
  `    done`,
  `  done`,
  `}`,
  `scan`,
  `if [ -n "$L" ]; then`,
  `  kill -TERM -$P 2>/dev/null; kill -TERM $L 2>/dev/null`,
  `  i=0; while [ $i -lt 20 ]; do sleep 0.1; scan; [ -z "$L" ] && break; i=$((i+1)); done`,
  `fi`,
  `if [ -n "$L" ]; then`,
  `  kill -KILL -$P 2>/dev/null; kill -KILL $L 2>/dev/null`,
  `  i=0; while [ $i -lt 10 ]; do sleep 0.1; scan; [ -z "$L" ] && break; i=$((i+1)); done`,
  `fi`,
  `if [ -z "$L" ]; then echo k2ops-kill:gone; else echo "k2ops-kill:alive$L"; exit 1; fi`,
  ``,
].join("\n");

export type RemoteGroup = { pgid: number; pid: number };
