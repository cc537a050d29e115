// The light SSH endpoints of bench:scale (scripts/bench-console-scale.ts): one
// child process, one ssh2 Server per loopback address (127.0.<first>.2 …, 250
// per /24, port 1022), so thousands of "nodes" cost megabytes, not an sshd
// each. Each accepts only the console's public key, and answers
//  - the checklist script (`bash -s` with the §6 script on stdin): after
//    --delay-ms (a node that far away), the process-group line on stderr and a
//    healthy node's checklist output (cannedVerification) fenced with the
//    script's own token, exit 0;
//    (the same for `echo <base64 of the script> | base64 -d | bash`, how
//    bench:verify hands it to Ansible's raw module);
//  - a kill (`sh -s -- <pgid> <pid>`): "k2ops-kill:gone";
//  - anything else: nothing, exit 0.
// With --rtt-ms each endpoint sits behind the simulator's delaying relay
// (simulator/node/latency-relay.ts) in this same process: the address answers
// through a relay, the ssh2 Server listens on its inner address; a line
// "rtt <ms>" on stdin changes every relay's round-trip time.
// It prints one JSON line {"ready":…} once every address listens, then RSS
// lines on request (any other line on stdin); it exits when stdin closes.
//   tsx scripts/bench-scale-endpoint.ts --first 200 --count 5000 --delay-ms 150 [--rtt-ms 0] --authorized <id.pub> --host-key <key>
import fs from "node:fs";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import ssh2, { type ServerChannel } from "ssh2";
import { RelaySet, innerAddress } from "@/simulator/node/latency-relay";

// ssh2 is CommonJS: Node's ESM loader does not see all of its named exports (Server), the default export has them
const { Server, utils } = ssh2;

/** The address of endpoint `i` (0-based): 250 per /24 from 127.0.<first>.2. */
export const endpointIp = (first: number, i: number) => `127.0.${first + Math.floor(i / 250)}.${(i % 250) + 2}`;

/** How bench:verify hands the checklist to Ansible's raw module: inside the command line, base64. */
const RAW_SCRIPT = /^echo ([A-Za-z0-9+/=]+) \| base64 -d \| bash$/;

const PORTS = ["443/tcp -> 0.0.0.0:443", "443/tcp -> [::]:443", "443/udp -> 0.0.0.0:443", ...Array.from({ length: 20 }, (_, i) => `443/udp -> 0.0.0.0:${40000 + i}`)].join("\n");

/**
 * What the checklist script prints on a healthy k2s node (the format
 * lib/verification/parse.ts reads: meta, then each section fenced with the
 * run's token, its PIPE and END lines), for `ip`: containers started two days
 * before `now`, the sidecar registered and reporting, k2s ready. Its shape
 * follows the healthy baseline of lib/verification/parse.test.ts.
 */
export function cannedVerification(token: string, ip: string, now = new Date()): string {
  const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const day = 86_400_000;
  const sidecarStart = iso(2 * day);
  const tunnelStart = iso(2 * day - 4_000);
  const slog = (t: string, msg: string, attrs: string) => `time=${t} level=INFO msg="${msg}" ${attrs}`;
  const ok = (cum: number, msAgo: number) => slog(iso(msAgo), "DIAG: usage-reporter-cycle-ok", `component=usage epoch=1 cumulative=${cum} quotaTotal=1073741824000`);
  const ps = (o: Record<string, unknown>) => JSON.stringify({ Command: '"/entrypoint.sh"', ExitCode: 0, Health: "", Project: "k2s", Publishers: null, ...o });
  const domain = `${ip.replace(/\./g, "-")}.sslip.io`;
  const sections: [string, string, number[]][] = [
    ["names", "k2s\nk2-sidecar", [0]],
    ["timezone", "                Time zone: Asia/Singapore (+08, +0800)", [0, 0]],
    ["containers", [ps({ Name: "k2-sidecar", Service: "k2-sidecar", State: "running", Health: "healthy", Status: "Up 2 days (healthy)" }), ps({ Name: "k2s", Service: "k2s", State: "running", Status: "Up 2 days" })].join("\n"), [0]],
    ["sidecar_health", "healthy", [0]],
    ["registration", slog(iso(2 * day - 1_700), "Registration completed", `component=node ipv4=${ip} nodeCreated=false tunnels=1`), [0, 0, 0]],
    ["tunnel_domain", slog(iso(2 * day - 1_700), "Tunnel registered", `component=node domain=${domain} protocol=k2v5 created=false`), [0, 0, 0]],
    ["meter", slog(iso(2 * day - 1_900), "Traffic monitor initialized", "component=traffic interface=ens5 billingDate=2026-01-01 limitGB=1000 billingMode=sum rx=1 tx=2"), [0, 0, 0]],
    ["reporter", [ok(10, 180_000), ok(20, 120_000), ok(30, 60_000)].join("\n"), [0, 0, 0]],
    ["sidecar_errors", "", [0, 1, 0]],
    ["k2s_ready", slog(iso(2 * day - 5_700), "k2s server ready", "listen=:443"), [0, 0]],
    ["container_net", ip, [0]],
    ["port_mapping", PORTS, [0]],
    ["version", "public.ecr.aws/d6n9t2r2/k2s:v0.4.8-9d7c6f95", [0]],
    ["billing", "K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1000", [0]],
    ["bbr", "net.ipv4.tcp_congestion_control = bbr", [0]],
    ["ipv6", "", [0]],
    ["iptables", "iptables v1.8.7 (nf_tables)", [0]],
  ];
  const T = token;
  let raw = `===K2OPS ${T} BEGIN meta===\ndir=/apps/k2s\ntunnel=k2s\nnow=${now.toISOString()}\nsidecar_inspect=0 ${sidecarStart} 0\ntunnel_inspect=0 ${tunnelStart} 0\n===K2OPS ${T} END meta rc=0===\n`;
  for (const [k, text, pipe] of sections) {
    const rc = k === "sidecar_errors" ? 0 : pipe[pipe.length - 1];
    raw += `===K2OPS ${T} BEGIN ${k}===\n${text ? text + "\n" : ""}===K2OPS ${T} PIPE ${pipe.join(" ")}===\n===K2OPS ${T} END ${k} rc=${rc}===\n`;
  }
  return raw;
}

function arg(name: string, dflt?: string): string {
  const a = process.argv.slice(2);
  const i = a.indexOf(`--${name}`);
  if (i >= 0) return a[i + 1];
  if (dflt === undefined) throw new Error(`--${name} is required`);
  return dflt;
}

async function main(): Promise<void> {
  const first = Number(arg("first", "200"));
  const count = Number(arg("count", "5000"));
  const port = Number(arg("port", "1022"));
  const delayMs = Number(arg("delay-ms", "150"));
  const rtt = arg("rtt-ms", "");
  const relays: RelaySet[] = [];
  const hostKey = fs.readFileSync(arg("host-key"));
  const allowed = utils.parseKey(fs.readFileSync(arg("authorized"), "utf8"));
  if (allowed instanceof Error) throw allowed;
  const allowedBlob = allowed.getPublicSSH();
  let pgid = 1000;
  const stats = { connections: 0, open: 0, execs: 0 };

  const answer = (ch: ServerChannel, ip: string, command: string, stdin: string) => {
    stats.execs++;
    const reply = (out: string, err = "") => {
      if (err) ch.stderr.write(err);
      if (out) ch.write(out);
      ch.exit(0);
      ch.end();
    };
    const b64 = RAW_SCRIPT.exec(command)?.[1];
    if (/^(sudo -n )?bash -s$/.test(command) || b64) {
      const script = b64 ? Buffer.from(b64, "base64").toString("utf8") : stdin;
      const token = /^T=([0-9a-f]{16,64})$/m.exec(script)?.[1];
      const g = ++pgid;
      setTimeout(() => reply(token ? cannedVerification(token, ip) : "", `k2ops-pgid:${g}:${g}\n`), delayMs);
    } else if (/^(sudo -n )?sh -s -- \d+ \d+$/.test(command)) reply("k2ops-kill:gone\n");
    else reply("");
  };

  const serve = (ip: string) =>
    new Promise<void>((resolve, reject) => {
      const srv = new Server({ hostKeys: [hostKey] }, (client) => {
        stats.connections++;
        stats.open++;
        client.on("error", () => undefined);
        client.on("close", () => stats.open--);
        client.on("authentication", (ctx) => {
          if (ctx.method !== "publickey" || !ctx.key.data.equals(allowedBlob)) return ctx.reject(["publickey"]);
          // the first offer has no signature (is this key acceptable?); the second proves the private key
          if (!ctx.signature) return ctx.accept();
          if (ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
          ctx.reject(["publickey"]);
        });
        client.on("ready", () => {
          client.on("session", (accept) => {
            const session = accept();
            // Ansible's raw module asks for a terminal (ssh -tt)
            session.on("pty", (acceptPty) => acceptPty?.());
            session.on("exec", (acceptExec, _reject, info) => {
              const ch = acceptExec();
              // the script inside the command line: nothing to wait for on stdin (a terminal never ends it)
              if (RAW_SCRIPT.test(info.command)) return answer(ch, ip, info.command, "");
              const chunks: Buffer[] = [];
              ch.on("data", (d: Buffer) => chunks.push(d));
              // the console ends stdin after the script (or at once): answer then
              ch.on("end", () => answer(ch, ip, info.command, Buffer.concat(chunks).toString("utf8")));
            });
          });
        });
      });
      srv.on("error", reject);
      if (rtt === "") return srv.listen(port, ip, () => resolve());
      const inner = innerAddress(ip);
      const r = new RelaySet(ip, inner, { rttMs: Number(rtt) });
      relays.push(r);
      srv.listen(port, inner, () => r.sync([port]).then(resolve, reject));
    });

  const t0 = performance.now();
  for (let i = 0; i < count; i += 250) await Promise.all(Array.from({ length: Math.min(250, count - i) }, (_, k) => serve(endpointIp(first, i + k))));
  console.log(JSON.stringify({ ready: count, ms: Math.round(performance.now() - t0), first: endpointIp(first, 0), last: endpointIp(first, count - 1), port, delayMs }));
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (l) => {
    const m = /^rtt (\d+)$/.exec(l.trim());
    if (m) for (const r of relays) r.setProfile({ rttMs: Number(m[1]) });
    console.log(JSON.stringify({ rss: process.memoryUsage().rss, ...stats, ...(m ? { rttMs: Number(m[1]) } : {}) }));
  });
  rl.on("close", () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
