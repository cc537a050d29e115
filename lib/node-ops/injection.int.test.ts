import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import type { Container } from "@/lib/guardrails/command";
import { addUser, applyEnvEdit, previewEnvEdit, removeUser, restartContainer, tailLogs } from "./ops";
import { sshEngine } from "./engine";

// Shell metacharacters in every operator input of the node operations, against
// a real sshd node (127.0.35.x): each payload is refused at validation or
// travels as inert data; a canary proves nothing ran, on the node or here.
const IP = "127.0.35.11";
const dir = "/tmp/k2ops-test-injection";
const CANARY = `/tmp/k2ops-pwned-${process.pid}`;
const PAYLOADS = [`$(touch ${CANARY})`, `\`touch ${CANARY}\``, `x; touch ${CANARY}`, `x | touch ${CANARY}`, `x && touch ${CANARY}`, `x\ntouch ${CANARY}`, `x' ; touch ${CANARY} ; '`, `x" ; touch ${CANARY} ; "`];
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let t: TestDatabase;
const ctx = { actor: "op@example.test", requestId: "req-injection" };

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  t = await createTestDatabase();
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(`${dir}/keys`);
  process.env.K2OPS_SSH_KEY_PATH = key.privateKeyPath;
  fleet = new SimFleet(`${dir}/nodes`, key.publicKey);
  await fleet.addNode({ ip: IP, name: "jp-tokyo.aws.i1", country: "JP", region: "jp-tokyo.aws", scenario: "healthy", secret: "5".repeat(64), centerUrl: center.url });
  await syncFleet([{ id: 1, name: "i1", country: "JP", region: "jp-tokyo.aws", ipv4: IP, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
});
afterAll(async () => {
  await sshEngine().closeAll();
  await fleet?.stop();
  await center?.close();
  await t?.close();
});

describe("injection payloads in every node-operation input reach no shell", () => {
  it.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))("payload %s", async (_label, p) => {
    const sent = fleet.commands(IP).length;
    await expect(addUser(IP, { udid: p, token: "tok-valid-123456" }, ctx)).rejects.toThrow();
    await expect(addUser(IP, { udid: "dev-ok", token: p }, ctx)).rejects.toThrow();
    await expect(removeUser(IP, p, ctx)).rejects.toThrow();
    await expect(restartContainer(IP, p as Container, ctx)).rejects.toThrow(/unknown container/);
    await expect(tailLogs(IP, p as Container, 10, ctx)).rejects.toThrow(/unknown container/);
    await expect(applyEnvEdit(IP, { set: { K2_NODE_NAME: p }, unset: [], secrets: {} }, false, ctx)).rejects.toThrow(/Nothing was changed: K2_NODE_NAME/);
    await expect(applyEnvEdit(IP, { set: { [p]: "1" }, unset: [], secrets: {} }, false, ctx)).rejects.toThrow(/Nothing was changed/);
    // refused inputs sent nothing beyond the read that plans an .env edit
    expect(fleet.commands(IP).slice(sent).every((c) => !c.command.includes("touch"))).toBe(true);

    // a URL carrying $ ( ) ; is refused with its reason, even for an admin: Compose would
    // interpolate $, and only the configured Center may receive the node's secret
    const url = `https://center.example.test/${encodeURIComponent(p).replace(/%24/g, "$").replace(/%28/g, "(").replace(/%29/g, ")").replace(/%3B/g, ";")}`;
    const preview = await previewEnvEdit(IP, { set: { K2_CENTER_URL: url }, unset: [], secrets: {} }, true, ctx);
    expect(preview.parsed.problems.map((x) => x.key)).toEqual(["K2_CENTER_URL"]);
    expect(preview.parsed.problems[0].message).toMatch(/^Refused: the value contains (\$|a quote|whitespace)|sends its secret to this address/);
    expect(preview.parsed.changes).toEqual([]);

    expect(fs.existsSync(CANARY)).toBe(false);
    expect(fleet.readNodeFile(IP, "/apps/k2s/users")).toBe("");
  });
});
