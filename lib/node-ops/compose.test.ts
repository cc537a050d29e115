import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { composeProblems, composePushScript, loadCanonicalCompose, parsePushOutcome } from "./compose";

const canonical = fs.readFileSync(path.resolve("deploy-assets/docker/docker-compose.yml"), "utf8");

describe("canonical compose checks", () => {
  it("accepts the shipped compose (images follow K2_VERSION)", () => {
    expect(composeProblems(canonical)).toEqual([]);
  });
  it("refuses latest, untagged images, a wrong project name and missing containers", () => {
    expect(composeProblems(canonical.replace(/\$\{K2_VERSION:-latest\}/g, "latest")).join()).toMatch(/unpinned/);
    expect(composeProblems(canonical.replace(/:\$\{K2_VERSION:-latest\}/g, "")).join()).toMatch(/has no tag/);
    expect(composeProblems(canonical.replace(/^name: k2s$/m, "name: kaitu-slave")).join()).toMatch(/project name/);
    expect(composeProblems(canonical.replace(/container_name: k2s$/m, "container_name: other")).join()).toMatch(/no k2s container/);
    expect(composeProblems(canonical.replace(/\$\{K2_VERSION:-latest\}/, "v0.4.8-9d7c6f95"))).toEqual([]);
  });
  it("reads from K2OPS_DEPLOY_ASSETS_DIR and names the file it could not read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-assets-"));
    expect(() => loadCanonicalCompose({ K2OPS_DEPLOY_ASSETS_DIR: dir })).toThrow(`No canonical compose at ${dir}/docker/docker-compose.yml`);
    fs.mkdirSync(`${dir}/docker`);
    fs.writeFileSync(`${dir}/docker/docker-compose.yml`, canonical);
    const c = loadCanonicalCompose({ K2OPS_DEPLOY_ASSETS_DIR: dir });
    expect(c).toMatchObject({ configured: true, md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
  it("carries the file as base64 inside the stdin script, never as a shell word", () => {
    const s = composePushScript({ text: "name: k2s\n$(touch /tmp/pwned)\n", md5: "0".repeat(32) });
    expect(s).not.toContain("$(touch");
    expect(s).toContain(Buffer.from("name: k2s\n$(touch /tmp/pwned)\n").toString("base64"));
    expect(() => composePushScript({ text: "x", md5: "0".repeat(32) }, "root; rm -rf /")).toThrow();
  });
  it("reads the node's answer", () => {
    expect(parsePushOutcome("k2ops-compose: UPDATED a -> b\n")).toBe("UPDATED");
    expect(parsePushOutcome("garbage")).toBeNull();
  });
});
