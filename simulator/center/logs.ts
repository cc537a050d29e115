import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import { createHash } from "node:crypto";

// Realistic device-log archives for the simulated public log bucket
// (seed references device-logs.md): k2 client slog lines with DIAG events.

function rng(seed: string) {
  let x = createHash("sha256").update(seed).digest().readUInt32BE(0) || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
}

export type LogScenario = "healthy" | "udp-blocked" | "dns-trouble" | "panic";

/** k2.log text: a session with 30 s heartbeats and the problem events of the scenario. */
export function k2ServiceLog(seed: string, startSec: number, scenario: LogScenario, server = "jp-tokyo-01.sim.kaitu.io"): string {
  const r = rng(seed);
  const lines: string[] = [];
  let t = startSec * 1000;
  const ts = () => new Date(t).toISOString();
  const at = (level: string, msg: string, kv: string) => lines.push(`time=${ts()} level=${level} msg="${msg}" ${kv}`.trimEnd());
  at("INFO", "k2 daemon starting", "version=0.4.6 commit=f1847ab7 os=darwin arch=arm64");
  t += 420;
  at("INFO", "DIAG: connected", `server=${server} mode=tun protocol=k2s dialMs=${Math.round(200 + r() * 600)}`);
  let transport = "quic";
  let fallback = false;
  let health = "healthy";
  let tx = 0;
  let rx = 0;
  const beats = 24 + Math.floor(r() * 16);
  for (let i = 1; i <= beats; i++) {
    t += 30_000;
    let loss = r() * 0.01;
    let rtt = 60 + r() * 90;
    if (scenario === "udp-blocked" && i >= 6) {
      if (i === 6) {
        at("WARN", "DIAG: quic-handshake-fail", `server=${server} err="timeout: no recent network activity" attempt=1`);
        at("WARN", "DIAG: quic-handshake-fail", `server=${server} err="timeout: no recent network activity" attempt=2`);
        at("WARN", "DIAG: transport-switch", `from=quic to=tcp-ws reason=quic-handshake-fail`);
        transport = "tcp-ws";
        fallback = true;
      }
      loss = 0.06 + r() * 0.25;
      rtt = 180 + r() * 400;
    }
    if (scenario === "dns-trouble" && i % 5 === 0) {
      at("INFO", "DIAG: dns-slow", `domain=api.example.com upstream=udp://223.5.5.5:53 elapsedMs=${Math.round(550 + r() * 1500)}`);
      if (i % 10 === 0) at("WARN", "DIAG: dns-fail", `domain=www.google.com upstream=udp://223.5.5.5:53 err="i/o timeout"`);
      if (i % 15 === 0) at("WARN", "DIAG: proxy-dial-fail", `target=142.250.196.110:443 elapsedMs=3012 err="context deadline exceeded"`);
    }
    const newHealth = loss > 0.25 ? "critical" : loss > 0.05 ? "degraded" : "healthy";
    if (newHealth !== health) {
      at(newHealth === "healthy" ? "INFO" : "WARN", `health: ${newHealth}`, `from=${health} loss=${loss.toFixed(3)} rttMs=${Math.round(rtt)}`);
      health = newHealth;
    }
    tx += r() * 4;
    rx += r() * 40;
    at(
      "INFO",
      "DIAG: heartbeat",
      `health=${health} transport=${transport} loss=${loss.toFixed(3)} rttMs=${Math.round(rtt)} txMB=${tx.toFixed(1)} rxMB=${rx.toFixed(1)} tcpConns=${Math.floor(r() * 30)} udpConns=${Math.floor(r() * 6)} uptimeS=${i * 30} fallback=${fallback}`,
    );
    if (scenario === "udp-blocked" && i === beats - 2) {
      at("WARN", "DIAG: wire-error", `code=1006 category=timeout server=${server} err="read tcp: i/o timeout"`);
    }
  }
  t += 5000;
  if (scenario === "panic") {
    at("ERROR", "engine panic recovered", `err="runtime error: index out of range [3] with length 3"`);
  }
  at("INFO", "DIAG: session-end", `server=${server} uptimeS=${beats * 30 + 5} txMB=${tx.toFixed(1)} rxMB=${rx.toFixed(1)} reason=user-disconnect`);
  return lines.join("\n") + "\n";
}

export function desktopLog(startSec: number): string {
  const t0 = new Date(startSec * 1000);
  const l = (dt: number, lvl: string, m: string) => `[${new Date(t0.getTime() + dt).toISOString()}] [${lvl}] ${m}`;
  return [
    l(0, "INFO", "kaitu desktop 0.4.6 starting"),
    l(120, "INFO", "ipc: daemon connected"),
    l(900, "INFO", "tray: state=connected"),
    l(3_600_000, "INFO", "updater: no update available"),
    l(3_700_000, "INFO", "log_upload: packing logs for feedback"),
  ].join("\n") + "\n";
}

export function panicLog(startSec: number): string {
  return [
    `panic: runtime error: index out of range [3] with length 3`,
    ``,
    `goroutine 214 [running]:`,
    `github.com/kaitu-io/k2/engine.(*Engine).pickRoute(0xc0001a2000, {0xc000512000, 0x3, 0x4})`,
    `\t/build/k2/engine/route.go:188 +0x2c4`,
    `github.com/kaitu-io/k2/engine.(*Engine).dial(0xc0001a2000, {0x1012c4f40, 0xc0003b6000})`,
    `\t/build/k2/engine/dial.go:74 +0x1a8`,
    `created by github.com/kaitu-io/k2/engine.(*Engine).Start in goroutine 1`,
    `\t/build/k2/engine/engine.go:121 +0x3f0`,
    `# captured at ${new Date(startSec * 1000).toISOString()}`,
  ].join("\n") + "\n";
}

/** A minimal ustar archive (regular files only). */
export function tarArchive(files: { name: string; data: Buffer | string; mtimeSec?: number }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, "utf8");
    const h = Buffer.alloc(512, 0);
    h.write(f.name.slice(0, 99), 0, "utf8");
    h.write("0000644\0", 100, "ascii");
    h.write("0000000\0", 108, "ascii");
    h.write("0000000\0", 116, "ascii");
    h.write(data.length.toString(8).padStart(11, "0") + "\0", 124, "ascii");
    h.write(Math.floor(f.mtimeSec ?? 0).toString(8).padStart(11, "0") + "\0", 136, "ascii");
    h.write("        ", 148, "ascii");
    h.write("0", 156, "ascii");
    h.write("ustar\0", 257, "ascii");
    h.write("00", 263, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
    blocks.push(h, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

export type LogObjectSpec = { s3Key: string; kind: "desktop-bundle" | "service-gz" | "crash-gz" | "mobile-zip"; scenario: LogScenario; startSec: number; server?: string };

/** Builds the stored object for an s3Key (gzip-compressed). */
export function buildLogObject(spec: LogObjectSpec): Buffer {
  if (spec.kind === "desktop-bundle") {
    const files = [
      { name: "k2.log", data: k2ServiceLog(spec.s3Key, spec.startSec, spec.scenario, spec.server), mtimeSec: spec.startSec },
      { name: "desktop.log", data: desktopLog(spec.startSec), mtimeSec: spec.startSec },
    ];
    if (spec.scenario === "panic") files.push({ name: `panic-${spec.startSec}.log`, data: panicLog(spec.startSec), mtimeSec: spec.startSec });
    return gzipSync(tarArchive(files));
  }
  if (spec.kind === "crash-gz") return gzipSync(Buffer.from(panicLog(spec.startSec)));
  if (spec.kind === "mobile-zip") {
    return zipArchive([
      { name: "logs/k2.log", data: k2ServiceLog(spec.s3Key, spec.startSec, spec.scenario, spec.server) },
      { name: "logs/app.log", data: desktopLog(spec.startSec).replace(/desktop/g, "ios app") },
    ]);
  }
  return gzipSync(Buffer.from(k2ServiceLog(spec.s3Key, spec.startSec, spec.scenario, spec.server)));
}

/** A zip archive (deflate, data descriptors like mobile uploaders write). */
export function zipArchive(files: { name: string; data: Buffer | string }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, "utf8");
    const comp = deflateRawSync(data);
    const crc = crc32(data);
    const name = Buffer.from(f.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(name.length, 26);
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(comp.length, 8);
    desc.writeUInt32LE(data.length, 12);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0808, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(comp.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, comp, desc);
    central.push(cd, name);
    offset += local.length + name.length + comp.length + desc.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(files.length, 8);
  eocd.writeUInt16LE(files.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}
