// Benchmark (not a test), issue #15: a 50 MB k2 client log (the simulator's
// service-log shapes, every scenario, back to back in time) analysed from its
// whole text (lib/device-logs analyseDiagLog), and the same log as a gzip object
// decoded the way k2ops downloads it (lib/center/client decodeLogArchive: size
// caps, member basenames). Prints wall time (median of runs) and memory: the
// heap in use after the analysis (the result is what the page keeps) and the
// process's peak RSS. Target: under 3 s with bounded memory.
//   npx tsx scripts/bench-device-log.ts [--mb 50] [--runs 5]
import { gzipSync } from "node:zlib";
import { decodeLogArchive } from "@/lib/center/client";
import { analyseDiagLog } from "@/lib/device-logs/diag";
import { k2ServiceLog, type LogScenario } from "@/simulator/center/logs";

const args = process.argv.slice(2);
const arg = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const MB = Number(arg("--mb", "50"));
const RUNS = Number(arg("--runs", "5"));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

const scenarios: LogScenario[] = ["healthy", "udp-blocked", "dns-trouble", "healthy", "panic"];
const parts: string[] = [];
let size = 0;
let t = Date.parse("2026-11-01T00:00:00Z") / 1000;
for (let i = 0; size < MB * 2 ** 20; i++) {
  const s = k2ServiceLog(`bench-${i}`, t, scenarios[i % scenarios.length]);
  parts.push(s);
  size += s.length;
  t += 1500;
}
const text = parts.join("");
parts.length = 0;
const gz = gzipSync(Buffer.from(text));
console.log(`log: ${mib(Buffer.byteLength(text))} of text, ${text.split("\n").length - 1} lines; ${mib(gz.length)} gzipped`);

const times: number[] = [];
let last = analyseDiagLog(text);
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  last = analyseDiagLog(text);
  times.push(performance.now() - t0);
}
global.gc?.();
console.log(`analyseDiagLog: median ${median(times).toFixed(0)} ms over ${RUNS} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}); verdict ${last.verdict}; ${last.heartbeatCount} heartbeats (${last.heartbeats.length} kept for the chart), ${last.timelineTotal} problem events (${last.timeline.length} kept), ${last.panics.length} panics`);
const result = Buffer.byteLength(JSON.stringify(last));
console.log(`the analysis sent to the page: ${(result / 1024).toFixed(0)} KiB as JSON`);

const dt: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const d = decodeLogArchive("logs/bench/k2.log.gz", gz);
  dt.push(performance.now() - t0);
  if (d.files[0].size !== Buffer.byteLength(text)) throw new Error("decoded size differs");
}
console.log(`decodeLogArchive (gunzip, capped): median ${median(dt).toFixed(0)} ms`);
const m = process.memoryUsage();
console.log(`memory: heap used ${mib(m.heapUsed)} (the log text itself is ${mib(Buffer.byteLength(text))}), peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
