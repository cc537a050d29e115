import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { _resetKnownSecrets, registerSecret } from "@/lib/redact";
import path from "node:path";
import { wrapLine } from "@/lib/ssh/engine";
import { Arg, GuardrailViolation, assertAllowed, cmd, container, deployDir, imageTag, migrationOldProjectDown, tailLines, udid } from "./command";

const PAYLOADS = ["$(touch /tmp/k2ops-inj-1)", "`touch /tmp/k2ops-inj-2`", "a; touch /tmp/k2ops-inj-3", "a | touch /tmp/k2ops-inj-4", "a && touch /tmp/k2ops-inj-5", "a'; touch /tmp/k2ops-inj-6; '", 'a"; touch /tmp/k2ops-inj-7; "', "${IFS}touch${IFS}/tmp/k2ops-inj-8"];

afterEach(() => _resetKnownSecrets());

describe("template commands", () => {
  it("quotes every argument: bash receives each payload as one literal word and runs nothing", () => {
    for (const [i, p] of PAYLOADS.entries()) {
      const line = cmd`printf '%s' ${Arg.of(p)}`;
      const out = execFileSync("bash", ["-c", line], { encoding: "utf8" });
      expect(out).toBe(p);
      expect(fs.existsSync(`/tmp/k2ops-inj-${i + 1}`)).toBe(false);
    }
  });

  it("refuses control characters, newlines, NUL and non-ASCII look-alikes in arguments", () => {
    for (const bad of ["a\nreboot", "a\0b", "a\rb", "ｋ2s", "k2s\u200b"]) expect(() => Arg.of(bad)).toThrow(GuardrailViolation);
  });

  it("accepts only the validated kinds", () => {
    expect(() => container("k2s; reboot")).toThrow();
    expect(() => container("k2-sidecar")).not.toThrow();
    expect(() => deployDir("/apps/k2s/../etc")).toThrow();
    expect(() => tailLines(0)).toThrow();
    expect(() => tailLines(5001)).toThrow();
    expect(() => imageTag("latest")).toThrow(/pinned/);
    expect(() => imageTag("latest", { rollout: true })).not.toThrow();
    expect(() => imageTag("v0.4.8-9d7c6f95")).not.toThrow();
    expect(() => udid("abc:def")).toThrow();
    // a plain string cannot be interpolated: only validated Args
    expect(() => cmd`echo ${"x" as unknown as Arg}`).toThrow(/validated/);
  });
});

describe("assertAllowed (the final check on every line)", () => {
  it.each([
    "cd /apps/k2s && docker compose down",
    "docker-compose down",
    "sudo docker compose -f /apps/k2s/docker-compose.yml down",
    "docker compose --project-name k2s down --volumes",
  ])("refuses compose down: %s", (line) => expect(() => assertAllowed(line)).toThrow(/compose down/));

  it.each(["sudo rm -rf /apps/k2s", "rm -rf /apps/k2s/", "rm -r /apps//k2s", "rm -rf /apps/./k2s", "rm -rf /apps/k2s/logs/..", "rm -rf /apps/k2*", "rm -f /apps/k2s/.env", "find /apps -delete"])(
    "refuses deleting the deployment: %s",
    (line) => expect(() => assertAllowed(line)).toThrow(/never deleted/),
  );

  it("allows ordinary operations, and :latest only in a rollout", () => {
    expect(() => assertAllowed("cd '/apps/k2s' && sudo docker compose pull && sudo docker compose up -d --remove-orphans")).not.toThrow();
    expect(() => assertAllowed("rm -f /tmp/x")).not.toThrow();
    expect(() => assertAllowed("docker pull public.ecr.aws/d6n9t2r2/k2s:latest")).toThrow(/latest/);
    expect(() => assertAllowed("docker pull public.ecr.aws/d6n9t2r2/k2s:latest", { rollout: true })).not.toThrow();
  });

  it("refuses any line carrying a known secret", () => {
    registerSecret("0123456789abcdef0123456789abcdef");
    expect(() => assertAllowed("echo K2_NODE_SECRET=0123456789abcdef0123456789abcdef >> .env")).toThrow(/stdin/);
  });

  it.each([
    "cat > /etc/passwd",
    "tee /apps/kaitu-slave/.env",
    "sudo tee -a /apps/k2s/../kaitu-slave/.env",
    "cp /tmp/x /root/.ssh/authorized_keys",
    "install -m 600 /dev/stdin /etc/cron.d/x",
    "dd of=/boot/x",
    "echo x >> '/apps/k2s/../../etc/x'",
    "cat > /apps/k2s/*",
  ])("refuses file-push writes outside the node's deploy dir: %s", (line) =>
    expect(() => assertAllowed(line, { deployDir: "/apps/k2s" })).toThrow(/only inside \/apps\/k2s/),
  );

  it("allows file-push writes inside the deploy dir", () => {
    for (const line of ["cat > /apps/k2s/users.txt", "sudo tee '/apps/k2s/.env.new' >/dev/null", "install -m 600 /dev/stdin /apps/k2s/users.txt", "cat > users.txt"])
      expect(() => assertAllowed(line, { deployDir: "/apps/k2s" })).not.toThrow();
  });
});

describe("the ONE sanctioned compose down: the directory migration's, of the old project", () => {
  const OLD_DOWN = "cd '/apps/kaitu-slave' && sudo docker compose down";

  it("is refused from any other path: the same line without the migration's builder, other dirs, other projects", () => {
    for (const line of [OLD_DOWN, wrapLine(OLD_DOWN), "cd '/apps/k2s' && sudo docker compose down", "cd /apps/kaitu-slave && docker compose down", `${OLD_DOWN} -v`, `${OLD_DOWN}; rm -rf /tmp/x`])
      expect(() => assertAllowed(line)).toThrow(/compose down/);
  });

  it("passes exactly once (as built, then as sent) after the builder armed it, and never for another line", () => {
    const line = migrationOldProjectDown();
    expect(line).toBe(OLD_DOWN);
    // even while armed, a different down is refused
    expect(() => assertAllowed("cd '/apps/k2s' && sudo docker compose down")).toThrow(/compose down/);
    expect(() => assertAllowed(wrapLine(`${OLD_DOWN} --volumes`))).toThrow(/compose down/);
    expect(() => assertAllowed(line)).not.toThrow();
    expect(() => assertAllowed(wrapLine(line))).not.toThrow();
    // spent: a second send needs a second build (a second migration run)
    expect(() => assertAllowed(wrapLine(line))).toThrow(/compose down/);
    expect(() => assertAllowed(line)).toThrow(/compose down/);
  });

  it("is built only by lib/node-ops/migrate.ts", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const out = execFileSync("grep", ["-rlE", "migrationOldProjectDown", "--include=*.ts", "--include=*.tsx", "lib", "app", "components", "scripts", "simulator"], { cwd: root, encoding: "utf8" });
    const callers = out.split("\n").filter(Boolean).filter((f) => !f.endsWith(".test.ts") && f !== "lib/guardrails/command.ts");
    expect(callers).toEqual(["lib/node-ops/migrate.ts"]);
  });
});

describe("scripts on stdin obey the same rules as command lines", () => {
  it("refuses compose down, deleting the deployment and unpinned :latest inside a script; secrets are fine there", async () => {
    const { assertScriptAllowed } = await import("./command");
    expect(() => assertScriptAllowed("set -e\ncd /apps/k2s\ndocker compose down\n")).toThrow(/compose down/);
    expect(() => assertScriptAllowed("cd /apps/k2s && sudo docker-compose -f x.yml down")).toThrow(/compose down/);
    expect(() => assertScriptAllowed("rm -rf /apps/k2s")).toThrow(/never deleted/);
    expect(() => assertScriptAllowed("docker pull public.ecr.aws/x/k2s:latest")).toThrow(/latest/);
    expect(() => assertScriptAllowed("docker pull public.ecr.aws/x/k2s:latest", { rollout: true })).not.toThrow();
    // a comment naming the rule is not a command; a secret value travels on stdin by design
    expect(() => assertScriptAllowed("# never docker compose down here\nK2_NODE_SECRET=" + "a".repeat(64) + "\n")).not.toThrow();
  });
});
