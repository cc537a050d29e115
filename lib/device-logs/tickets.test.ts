import { createTranslator } from "next-intl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { en } from "@/messages";
import { createCenterClient } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { logSearchSchema, replyToTicket, resolveTicket, searchTriage, supportClient } from "./index";

// Ticket changes against the Center simulator's real routes and roles (issue
// #15; center-api.md §9.5): only Center's support role may resolve or reply.
let center: CenterSim;
beforeAll(async () => {
  center = await startCenterSim({ port: 0, deferred: "manual" });
});
afterAll(async () => {
  await center?.close();
});
const as = (role: "editor" | "support") => createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys[role], getRetries: 0 });

describe("tickets: search, reply, resolve with Center's roles", () => {
  it("finds a user's ticket by e-mail, logs by UDID; an e-mail search leaves logs out", async () => {
    const byMail = await searchTriage(logSearchSchema.parse({ email: "carol@" }), as("editor"));
    expect(byMail.error).toBeNull();
    expect(byMail.tickets.map((t) => t.feedbackId)).toContain("fb-c0ffee42");
    expect(byMail.logs).toEqual([]);
    const byUdid = await searchTriage(logSearchSchema.parse({ udid: "udid-carol-win" }), as("editor"));
    expect(byUdid.logs.map((l) => l.logType).sort()).toEqual(["desktop", "service"]);
  });

  it("Center unreachable: the error says so, its cause apart for the page's catalog (the same English)", async () => {
    const down = createCenterClient({ baseUrl: "http://127.0.0.1:1", accessKey: center.accessKeys.editor, getRetries: 0 });
    const r = await searchTriage(logSearchSchema.parse({ udid: "udid-carol-win" }), down);
    expect(r.error).toMatch(/^Center could not be searched: /);
    expect(r.errorCause).toBeTruthy();
    const t = createTranslator({ locale: "en", messages: en, namespace: "deviceLogs.search" });
    expect(t("centerError", { error: r.errorCause! })).toBe(r.error);
  });

  it("a devops key is refused by Center; the support key resolves and replies; no key says what to configure", async () => {
    const ticket = center.state.tickets.find((t) => t.feedbackId === "fb-c0ffee42")!;
    const denied = await resolveTicket(ticket.id, "op@example.test", as("editor")).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ActionFailure);
    expect((denied as ActionFailure).message).toMatch(/^Center did not resolve ticket \d+: /);
    expect(ticket.status).toBe("open");
    await expect(resolveTicket(ticket.id, "op@example.test", null)).rejects.toThrow(/configure KAITU_SUPPORT_ACCESS_KEY/);
    expect(await supportClient({ KAITU_CENTER_URL: center.url })).toBeNull();
    const support = await supportClient({ KAITU_CENTER_URL: center.url, KAITU_SUPPORT_ACCESS_KEY: center.accessKeys.support });
    const reply = await replyToTicket(ticket.id, "Please try again.", support);
    expect(reply.replyId).toBeGreaterThan(0);
    expect(await resolveTicket(ticket.id, "op@example.test", support)).toEqual({ id: ticket.id, resolvedBy: "k2ops:op@example.test" });
    expect(center.state.tickets.find((t) => t.id === ticket.id)).toMatchObject({ status: "resolved", resolvedBy: "k2ops:op@example.test" });
    const missing = await resolveTicket(999_999, "op@example.test", support).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ActionFailure);
    expect((missing as ActionFailure).code).toBe("not_found");
  });
});
