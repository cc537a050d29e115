import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The shims' fork-free helpers against the external commands they replace (issue 17: a shim
// call is a process, each `$(...)`, sort, awk or date in it one more). Each runs in ONE bash.
const SHIMS = path.join(import.meta.dirname, "shims");

function bash(script: string, input?: string): string {
  const r = spawnSync("bash", ["-c", script, "bash", SHIMS], { input, encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("tick_merge (_lib.sh): the sidecar's and the meter's lines in time order", () => {
  it("writes what sort(1) writes, entrypoint lines kept with the line after them", () => {
    // random buffers: up to three runs of timed lines (each in time order), untimed entrypoint lines among them
    const script = `source <(sed -n '/^tick_merge()/,/^setvar()/p' "$1/_lib.sh" | sed '$d')
      bad=0; d=$(mktemp -d)
      for ((it = 0; it < 60; it++)); do
        : > "$d/b"
        for ((r = 0; r <= RANDOM % 3; r++)); do t=$((RANDOM % 50)); for ((i = 0; i < RANDOM % 7; i++)); do
          t=$((t + RANDOM % 3))
          if [ $((RANDOM % 4)) = 0 ]; then echo "1 [entrypoint] line $r.$i"; else printf '2 time=2026-01-01T00:00:%02d.%03dZ level=INFO msg="r%s i%s"\\n' $((t % 60)) $((RANDOM % 2)) $r $i; fi
        done; done >> "$d/b"
        : > "$d/o1"; : > "$d/o2"; tick_merge "$d/b" "$d/o1"; tick_sort "$d/b" "$d/o2"
        cmp -s "$d/o1" "$d/o2" || { bad=$((bad + 1)); cat "$d/b" >&2; }
      done
      rm -rf "$d"; echo "bad=$bad"`;
    expect(bash(script)).toBe("bad=0\n");
  }, 60_000);
});

describe("compose_conf_r (_compose.sh): the configuration lines in byte order without sort(1)", () => {
  it("orders as LC_ALL=C sort does", () => {
    const script = `source "$1/_compose.sh"
      declare -A CP_IMG=([s]=img:1) CP_ENVK=([s]="B a _x Z1 z0 K2_NODE_NAME K2_NODE-X") CP_ENVV=([s|B]=2 [s|a]=1 [s|_x]=x [s|Z1]=é [s|z0]="v w" [s|K2_NODE_NAME]=n [s|K2_NODE-X]=m) CP_REST=([s]=$'restart=unless-stopped\\nvolumes=./a:/b\\nnetworks.k2-internal\\ncontainer_name=k2s\\n')
      compose_conf_r s; printf '%s\\n' "$REPLY"; echo ---
      lines=("image=img:1"); for k in \${CP_ENVK[s]}; do lines+=("environment.$k=\${CP_ENVV[s|$k]}"); done
      while IFS= read -r k; do [ -n "$k" ] && lines+=("$k"); done <<< "\${CP_REST[s]}"
      printf '%s\\n' "\${lines[@]}" | LC_ALL=C sort`;
    const [mine, theirs] = bash(script).split("---\n");
    expect(mine).toBe(theirs);
  });
});

describe("jq_state (_lib.sh): a docker CLI killed half-way leaves dockerd's state whole", () => {
  it("never leaves a truncated state.json when the writer is killed while it writes", () => {
    // The writer is slow to write (a loaded machine: printf waits first) and is SIGKILLed while it
    // writes, as the checklist's \`timeout\` kills a docker call. state.json must still hold the old
    // state, whole. (A full bench:verify run had seen nodes lose their containers after
    // parallel-ssh overloaded the machine: state.json was written in place, truncated first.)
    // Then an unhindered write goes through, both files renamed into place.
    const script = `source <(sed -n '/^replace_file()/,/^}/p;/^jq_state()/,/^}/p' "$1/_lib.sh")
      d=$(mktemp -d); STATE=$d/state.json; STATE_SH=$d/state.sh; STATE_RENDER='"N=\\(.n)"'
      jq -cn '{n: 0, containers: [{name: "k2s"}, {name: "k2-sidecar"}]}' > "$STATE"
      printf() { sleep 1; builtin printf "$@"; }
      bad=0
      for ((i = 0; i < 3; i++)); do
        ( jq_state '.n += 1' ) & p=$!
        sleep 0.4; kill -KILL $p; wait $p 2> /dev/null
        jq -e '.n == 0 and (.containers | length == 2)' "$STATE" > /dev/null 2>&1 || bad=$((bad + 1))
      done
      unset -f printf
      jq_state '.n += 1'
      echo "bad=$bad n=$(jq .n "$STATE") $(< "$STATE_SH")"; rm -rf "$d"`;
    expect(bash(script)).toBe("bad=0 n=1 N=1\n");
  }, 60_000);
});

describe("meter_save (_meter.sh): a docker CLI killed half-way leaves the sidecar's meter whole", () => {
  it("never leaves an empty meter.sh (a fresh meter: counters back at boot) when the writer is killed while it writes", () => {
    // As for jq_state: the writer is slow to write and SIGKILLed while it writes. meter.sh must still
    // hold the old meter. (A bench:verify run after a parallel-ssh overload saw a node's reporter
    // cumulative go down within an epoch: meter.sh was written in place, truncated first.)
    const script = `source "$1/_meter.sh"; source <(sed -n '/^replace_file()/,/^}/p' "$1/_lib.sh"); nic_prune() { :; }
      d=$(mktemp -d); METER=$d/meter.sh
      N_RUN=7 N_AT=1 NH_T=() NH_R=() NH_ON=() B_RX=0 B_TX=0 M_ON=1 M_CID=abc M_DAY=1 M_MODE=max M_LIMITB=0 M_END=0 M_SRX=0 M_STX=0 M_PRIOR=0 M_LAST=0 M_LP=0 M_G0=0 M_EP=416 M_AT=0 E_CUT=0 R_NEXT=0 R_SEQ=3 R_INT=5000
      meter_save
      printf() { sleep 1; builtin printf "$@"; }
      bad=0
      for ((i = 0; i < 3; i++)); do
        ( N_RUN=99; meter_save ) & p=$!
        sleep 0.4; kill -KILL $p; wait $p 2> /dev/null
        ( meter_load; [ "$M_FRESH" = 0 ] && [ "$N_RUN" = 7 ] && [ "$R_SEQ" = 3 ] ) || bad=$((bad + 1))
      done
      unset -f printf
      N_RUN=8; meter_save; N_RUN=0; meter_load
      echo "bad=$bad N_RUN=$N_RUN files=$(ls "$d" | wc -l)"; rm -rf "$d"`;
    expect(bash(script)).toBe("bad=0 N_RUN=8 files=1\n");
  }, 60_000);
});

describe("sc_save (_sidecar.sh): the running sidecar's memory survives a killed writer", () => {
  it("never leaves an empty sidecar file when the writer is killed while it writes", () => {
    const script = `source <(sed -n '/^sc_save()/,/^}/p' "$1/_sidecar.sh"); source <(sed -n '/^replace_file()/,/^}/p' "$1/_lib.sh")
      d=$(mktemp -d); SC_FILE=$d/sidecar.sh; SC_VARS="A B"; A=1 B="x y"
      sc_save
      printf() { if [ "$1" = -v ]; then builtin printf "$@"; else sleep 1; builtin printf "$@"; fi; }
      bad=0
      for ((i = 0; i < 3; i++)); do
        ( A=2; sc_save ) & p=$!
        sleep 0.4; kill -KILL $p; wait $p 2> /dev/null
        ( A=""; B=""; . "$SC_FILE"; [ "$A" = 1 ] && [ "$B" = "x y" ] ) || bad=$((bad + 1))
      done
      unset -f printf
      A=3; sc_save; A=""; . "$SC_FILE"
      echo "bad=$bad A=$A"; rm -rf "$d"`;
    expect(bash(script)).toBe("bad=0 A=3\n");
  }, 60_000);
});
