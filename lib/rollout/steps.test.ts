import { describe, expect, it } from "vitest";
import { failsOnlyByCutoff, parseNodeNow, upCommand } from "./steps";

// The update step's pure parts: the pre-check's reading (a cut node: k2s
// paused) and the gate's "fails only by the traffic cutoff".

const check = (key: string, observed: string) => ({ key, observed });

describe("pre-check", () => {
  it("reads a cut node: k2s paused, on its own image", () => {
    const out = "tag=v0.4.9-0a1b2c3d\nmd5=5901890b92b148ec528d36e268b7660b\nimage=public.ecr.aws/d6n9t2r2/k2-sidecar:v0.4.9-0a1b2c3d\nproject=k2s\nk2simage=public.ecr.aws/d6n9t2r2/k2s:v0.4.8-9d7c6f95 paused=true\ndir=yes\n";
    expect(parseNodeNow(out)).toEqual({ tag: "v0.4.9-0a1b2c3d", runningTag: "v0.4.9-0a1b2c3d", composeMd5: "5901890b92b148ec528d36e268b7660b", hasDir: true, project: "k2s", k2sPaused: true, k2sTag: "v0.4.8-9d7c6f95" });
  });
  it("a running k2s, or none, is not cut", () => {
    expect(parseNodeNow("k2simage=public.ecr.aws/d6n9t2r2/k2s:v0.4.8-9d7c6f95 paused=false\n")).toMatchObject({ k2sPaused: false, k2sTag: "v0.4.8-9d7c6f95" });
    expect(parseNodeNow("dir=yes\n")).toMatchObject({ k2sPaused: false, k2sTag: null, hasDir: true });
  });
});

describe("up -d", () => {
  it("the whole stack with --remove-orphans, or only the sidecar", () => {
    expect(upCommand(null)).toBe("cd '/apps/k2s' && sudo docker compose up -d --remove-orphans");
    expect(upCommand("k2-sidecar")).toBe("cd '/apps/k2s' && sudo docker compose up -d k2-sidecar");
  });
});

describe("failsOnlyByCutoff", () => {
  const cut = { status: "fail", failingChecks: ["containers"], checks: [check("containers", "k2s Up 2 days (Paused) — traffic cutoff")] };
  it("only the paused k2s failed: the meter's cutoff", () => {
    expect(failsOnlyByCutoff(cut)).toBe(true);
    // an older Compose has no Status column: the state is shown
    expect(failsOnlyByCutoff({ ...cut, checks: [check("containers", "k2s paused — traffic cutoff")] })).toBe(true);
  });
  it("anything more is a failure", () => {
    expect(failsOnlyByCutoff({ ...cut, status: "pass" })).toBe(false);
    expect(failsOnlyByCutoff({ ...cut, status: "unknown" })).toBe(false);
    expect(failsOnlyByCutoff({ ...cut, failingChecks: ["containers", "registration"] })).toBe(false);
    expect(failsOnlyByCutoff({ ...cut, checks: [check("containers", "k2-sidecar Up 1 minute (unhealthy); k2s Up 2 days (Paused) — traffic cutoff")] })).toBe(false);
    expect(failsOnlyByCutoff({ ...cut, checks: [check("containers", "k2s Exited (1) 2 minutes ago")] })).toBe(false);
    expect(failsOnlyByCutoff({ status: "error" })).toBe(false);
  });
});
