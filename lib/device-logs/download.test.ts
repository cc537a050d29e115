import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeLogArchive } from "@/lib/center/client";
import { tarArchive, zipArchive } from "@/simulator/center/logs";
import { fileKind } from "./index";

// The download caps (issue #15): k2ops decompresses users' uploads itself, so
// an upload that decompresses past 64 MiB (a gzip / zip bomb, a zip member
// lying about its size) is refused, and archive member names never reach a path.
const MiB = 2 ** 20;

describe("device-log archives: bounded decompression, no path traversal", () => {
  it("a gzip bomb (70 MiB of zeros in a few KiB) is refused with a clear error", () => {
    const bomb = gzipSync(Buffer.alloc(70 * MiB));
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(() => decodeLogArchive("service/u/k2.log.gz", bomb)).toThrow(/log archive too large: it decompresses to more than 64 MiB/);
    expect(() => decodeLogArchive("desktop/u/logs.tar.gz", gzipSync(tarArchive([{ name: "k2.log", data: Buffer.alloc(70 * MiB) }])))).toThrow(/too large/);
  });

  it("a zip whose members lie about their size cannot inflate past the cap together", () => {
    const zip = zipArchive(Array.from({ length: 3 }, (_, i) => ({ name: `logs/k2-${i}.log`, data: Buffer.alloc(30 * MiB, 0x61) })));
    // declared sizes patched down to 1 byte each (central directory): the inflated bytes still count
    let p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    while (p >= 0) {
      zip.writeUInt32LE(1, p + 24);
      p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), p + 4);
    }
    expect(() => decodeLogArchive("mobile/u/logs.zip", zip)).toThrow(/log archive too large/);
  });

  it("member names are reduced to their basename: '../../etc/cron.d/x' is 'x', never a path", () => {
    const tgz = gzipSync(tarArchive([{ name: "../../etc/cron.d/evil", data: "x\n" }, { name: "/abs/k2.log", data: "y\n" }]));
    expect(decodeLogArchive("d/logs.tar.gz", tgz).files.map((f) => f.name)).toEqual(["evil", "k2.log"]);
    const zip = zipArchive([{ name: "..\\..\\windows\\k2.log", data: "z\n" }]);
    expect(decodeLogArchive("m/logs.zip", zip).files.map((f) => f.name)).toEqual(["k2.log"]);
  });

  it("whole files, not a 50k-character cut; file kinds by name", () => {
    const big = "time=2026-11-20T08:00:00Z level=INFO msg=\"DIAG: heartbeat\" health=healthy\n".repeat(20_000);
    const d = decodeLogArchive("service/u/k2.log.gz", gzipSync(big));
    expect(d.files[0]).toMatchObject({ name: "k2.log", size: big.length, lines: 20_000 });
    expect(["k2.log", "panic-1763.log", "desktop.log", "app.log", "system.log", "notes.txt"].map(fileKind)).toEqual(["service", "crash", "desktop", "desktop", "system", "other"]);
  });
});
