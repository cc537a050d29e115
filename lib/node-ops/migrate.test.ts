import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { composeProblems } from "./compose";
import { composeForProject, cutoverProblems, dirMigrationRefusal, parseCycleUsage, parseProbe, usageGb } from "./migrate";

const canonical = fs.readFileSync(path.resolve("deploy-assets/docker/docker-compose.yml"), "utf8");
const GIB = 1024 ** 3;

describe("the cycle's usage read before the directory migration", () => {
  const line = 'line=time=2026-11-30T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=1788220800 cumulative=17442783332 quotaTotal=1073741824000';
  it("takes the newest reporter line, or traffic.state when it is further along in the same cycle", () => {
    expect(parseCycleUsage(`billing=2026-01-01\n${line}\nstate=`)).toEqual({ metering: true, bytes: 17442783332, epoch: 1788220800, source: "reporter line" });
    const state = 'state={"billing_cycle_end_at":1788220800,"cycle_start_rx":1,"cycle_start_tx":2,"prior_used_bytes":0,"last_used_bytes":17500000000}';
    expect(parseCycleUsage(`billing=2026-01-01\n${line}\n${state}`)).toMatchObject({ bytes: 17500000000, source: "traffic.state" });
    // a state of another cycle does not count
    expect(parseCycleUsage(`billing=2026-01-01\n${line}\n${state.replace("1788220800", "1785542400")}`)).toMatchObject({ bytes: 17442783332 });
  });
  it("reads a failed cycle's used=, and says when nothing could be read or metering is off", () => {
    expect(parseCycleUsage('billing=2026-01-01\nline=time=x level=WARN msg="DIAG: usage-reporter-cycle-fail" component=usage used=123 limit=0 err="x"\nstate=')).toMatchObject({ bytes: 123 });
    expect(parseCycleUsage("billing=2026-01-01\nline=\nstate=garbage")).toMatchObject({ metering: true, bytes: null });
    expect(parseCycleUsage("billing=\nline=\nstate=")).toMatchObject({ metering: false, bytes: null });
  });
  it("rounds up to whole GiB for set-usage (never undercounts the month)", () => {
    expect(usageGb(1)).toBe(1);
    expect(usageGb(17 * GIB)).toBe(17);
    expect(usageGb(17 * GIB + 1)).toBe(18);
  });
});

describe("which node each migration applies to", () => {
  const probe = (s: string) => parseProbe(s);
  it("the directory migration refuses a migrated node, a foreign layout and a differing /apps/k2s/.env", () => {
    expect(dirMigrationRefusal(probe("project=kaitu-slave\nworkdir=/apps/kaitu-slave\nnames=k2s k2-sidecar\nexists=/apps/kaitu-slave/docker-compose.yml\nexists=/apps/kaitu-slave/.env"))).toBeNull();
    expect(dirMigrationRefusal(probe("project=k2s\nworkdir=/apps/k2s\nexists=/apps/k2s/docker-compose.yml\nexists=/apps/kaitu-slave/.env"))?.text).toMatch(/Already migrated/);
    expect(dirMigrationRefusal(probe("project=\nnames="))?.text).toMatch(/no k2-sidecar/);
    const half = "project=kaitu-slave\nexists=/apps/kaitu-slave/docker-compose.yml\nexists=/apps/kaitu-slave/.env\nexists=/apps/k2s/.env";
    expect(dirMigrationRefusal(probe(half))?.text).toMatch(/differs/);
    expect(dirMigrationRefusal(probe(`${half}\nsame_env=1`))).toBeNull();
  });
  it("a legacy node keeps its project name in its own dir; the file stays deployable otherwise", () => {
    const kept = composeForProject({ text: canonical }, "kaitu-slave");
    expect(kept).toMatch(/^name: kaitu-slave$/m);
    expect(kept).not.toMatch(/^name: k2s$/m);
    expect(composeProblems(kept)).toEqual(["project name is not `name: k2s`"]);
    expect(composeForProject({ text: canonical }, "k2s")).toBe(canonical);
  });
  it("names each failed cutover check", () => {
    expect(cutoverProblems("cert=ok\ncron=ok\nmonitor=active")).toEqual([]);
    expect(cutoverProblems("cert=missing\ncron=old\nmonitor=inactive")).toHaveLength(3);
  });
});
