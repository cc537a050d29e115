import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimFleet } from "@/simulator/node/fleet";
import { startTestFleet, type TestFleet } from "./test-fleet";
import type { Container } from "@/lib/guardrails/command";
import { addUser, applyEnvEdit, previewEnvEdit, removeUser, restartContainer, tailLogs } from "./ops";

// Shell metacharacters in every operator input of the node operations, against
// a real sshd node (127.0.35.x): each payload is refused at validation or
// travels as inert data; a canary proves nothing ran, on the node or here.
const IP = "127.0.35.11";
const dir = "/tmp/k2ops-test-injection";
const CANARY = `/tmp/k2ops-pwned-${process.pid}`;
const PAYLOADS = [`$(touch ${CANARY})`, `\`touch ${CANARY}\``, `x; touch ${CANARY}`, `x | touch ${CANARY}`, `x && touch ${CANARY}`, `x\ntouch ${CANARY}`, `x' ; touch ${CANARY} ; '`, `x" ; touch ${CANARY} ; "`];
let fleet: SimFleet;
let fx: TestFleet;
const ctx = { actor: "op@example.test", requestId: "req-injection" };

beforeAll(async () => {
  fx = await startTestFleet(dir, [{ ip: IP, scenario: "healthy" }], { secret: "5".repeat(64), namePrefix: "i" });
  fleet = fx.fleet;
});
afterAll(async () => {
  await fx?.stop();
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
