import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import * as S from "@/lib/center/schemas";
import { createCenterClient, CenterError } from "@/lib/center/client";
import { startCenterSim, usageFlags, type CenterSim, type CreateInstanceRequest } from "./index";

// The simulator's answers are validated with the SAME schemas the console's
// client uses (lib/center/schemas.ts), strictly (no undocumented key).

type Res = { status: number; text: string; json: { code: number; message?: string; data?: unknown } };

function mk(sim: () => CenterSim) {
  return async function api(method: string, p: string, key?: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const h: Record<string, string> = { ...headers };
    if (key) h["X-Access-Key"] = key;
    let payload: string | undefined;
    if (body !== undefined) {
      h["Content-Type"] = "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const r = await fetch(sim().url + p, { method, headers: h, body: payload });
    const text = await r.text();
    let json: Res["json"] = { code: -1 };
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, text, json };
  };
}
const basic = (ip: string, secret: string) => ({ Authorization: "Basic " + Buffer.from(`${ip}:${secret}`).toString("base64") });
const data = <T extends z.ZodType>(schema: T, r: Res): z.infer<T> => {
  expect(r.status).toBe(200);
  expect(r.json.code, r.text).toBe(0);
  return (S.strictParse(S.successEnvelope(schema), r.json) as { data: z.infer<T> }).data;
};
const error = (r: Res, code: number, msg?: RegExp) => {
  expect(r.status).toBe(200);
  S.strictParse(S.ErrorEnvelopeSchema, r.json);
  expect(r.json.code).toBe(code);
  if (msg) expect(r.json.message).toMatch(msg);
};

describe("Center simulator: contract", () => {
  let sim: CenterSim;
  const created: CreateInstanceRequest[] = [];
  const reboots: string[] = [];
  const api = mk(() => sim);
  let K: CenterSim["accessKeys"];

  beforeAll(async () => {
    sim = await startCenterSim({
      registerFleet: true,
      deferred: "manual",
      realCerts: false,
      sweepIntervalMs: 0,
      cloudSyncIntervalMs: 0,
      onCreateInstance: async (req) => {
        created.push(req);
        return { ipv4: `127.0.0.${100 + created.length}` };
      },
      onRebootInstance: async (ip) => {
        reboots.push(ip);
      },
      onChangeIp: async () => ({ ipv4: "127.0.0.199" }),
    });
    K = sim.accessKeys;
  });
  afterAll(async () => sim?.close());

  describe("envelope, auth and permissions", () => {
    it("health and unknown routes", async () => {
      const h = await api("GET", "/healthy");
      expect(S.HealthySchema.parse(h.json)).toEqual({ status: "ok" });
      const nf = await api("GET", "/app/nope", K.admin);
      expect(nf.status).toBe(404);
      expect(nf.text).toBe("404 page not found");
    });

    it("seeded access keys have the documented format", () => {
      for (const k of Object.values(K)) expect(S.AccessKeySchema.safeParse(k).success).toBe(true);
    });

    it("401 for missing or unknown key, 403 for blocked user and brand mismatch (HTTP 200)", async () => {
      error(await api("GET", "/app/nodes", null), 401, /authentication failed/);
      error(await api("GET", "/app/nodes", "ktu_" + "0".repeat(64)), 401);
      error(await api("GET", "/app/nodes", K.blocked), 403, /blocked/);
      error(await api("GET", "/app/nodes", K.viewer, undefined, { "X-K2-Brand": "overleap" }), 403003);
      data(S.NodeListSchema, await api("GET", "/app/nodes?pageSize=1", K.admin, undefined, { "X-K2-Brand": "overleap" }));
    });

    it("my-permissions: roles and groups by role, snake_case is_admin", async () => {
      const v = data(S.MyPermissionsSchema, await api("GET", "/app/my-permissions", K.viewer));
      expect(v).toMatchObject({ is_admin: false, roles: 17 });
      expect(v.groups).toContain("cloud");
      expect(v.groups).not.toContain("cloud.write");
      const e = data(S.MyPermissionsSchema, await api("GET", "/app/my-permissions", K.editor));
      expect(e.groups).toEqual(expect.arrayContaining(["nodes.write", "cloud.write", "tunnels.write"]));
      const a = data(S.MyPermissionsSchema, await api("GET", "/app/my-permissions", K.admin));
      expect(a.is_admin).toBe(true);
      expect(a.groups).toContain("admins");
      const s = data(S.MyPermissionsSchema, await api("GET", "/app/my-permissions", K.support));
      expect(s.groups).toContain("feedback_tickets.write");
    });

    it("role table: viewer reads, editor writes, support only tickets, admin bypasses", async () => {
      error(await api("PUT", "/app/nodes/127.0.0.11", K.viewer, { name: "x" }), 403);
      error(await api("GET", "/app/nodes", K.support), 403);
      error(await api("GET", "/app/cloud/instances", K.marketing), 403);
      error(await api("GET", "/app/device-logs", K.marketing), 403);
      data(S.DeviceLogListSchema, await api("GET", "/app/device-logs", K.support));
      data(S.DeviceLogListSchema, await api("GET", "/app/device-logs", K.viewer));
      error(await api("PUT", "/app/feedback-tickets/1/resolve", K.editor, { resolvedBy: "x" }), 403);
      error(await api("POST", "/app/node-operations/1/claim", K.viewer, {}), 403);
      error(await api("POST", "/app/cloud/instances/sync", K.viewer, {}), 403);
      error(await api("POST", "/app/users/x/access-key", K.editor, {}), 403);
      data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances", K.admin));
    });

    it("422 on empty or invalid JSON bodies", async () => {
      error(await api("POST", "/app/node-operations/1/claim", K.editor, ""), 422, /EOF/);
      error(await api("POST", "/app/node-operations/1/claim", K.editor, "{not json"), 422);
      error(await api("PUT", "/app/nodes/127.0.0.11", K.editor, ""), 422);
      error(await api("PUT", "/app/nodes/127.0.0.11", K.editor, { name: 5 }), 422);
      error(await api("POST", "/app/node-operations/abc/claim", K.editor, {}), 422);
    });
  });

  describe("pagination variants", () => {
    it("/app/nodes: 500 when pageSize absent, capped 100, ≤0 → 10, page < 1 → 1", async () => {
      const a = data(S.NodeListSchema, await api("GET", "/app/nodes", K.viewer));
      expect(a.pagination).toEqual({ page: 1, pageSize: 500, total: 14 });
      expect(data(S.NodeListSchema, await api("GET", "/app/nodes?pageSize=1000", K.viewer)).pagination.pageSize).toBe(100);
      expect(data(S.NodeListSchema, await api("GET", "/app/nodes?pageSize=0", K.viewer)).pagination.pageSize).toBe(10);
      const p = data(S.NodeListSchema, await api("GET", "/app/nodes?page=0&pageSize=5", K.viewer));
      expect(p.pagination).toEqual({ page: 1, pageSize: 5, total: 14 });
      const p3 = data(S.NodeListSchema, await api("GET", "/app/nodes?page=3&pageSize=5", K.viewer));
      expect(p3.items).toHaveLength(4);
    });
    it("other lists default to 10; total-only and null variants", async () => {
      expect(data(S.TunnelListSchema, await api("GET", "/app/tunnels", K.viewer)).pagination.pageSize).toBe(10);
      const acc = data(S.CloudAccountListSchema, await api("GET", "/app/cloud/accounts", K.viewer));
      expect(acc.pagination).toEqual({ page: 0, pageSize: 0, total: acc.items.length });
      expect(acc.items[0]).toEqual({ name: "ssh_standalone", provider: "ssh_standalone", region: "" });
      const regions = data(S.CloudRegionListSchema, await api("GET", "/app/cloud/regions", K.viewer));
      expect(regions.items.every((r) => r.providerId === "" && r.available)).toBe(true);
      const lsRegions = data(S.CloudRegionListSchema, await api("GET", "/app/cloud/regions?provider=aws_lightsail", K.viewer));
      expect(lsRegions.items.find((r) => r.slug === "ap-tokyo")?.providerId).toBe("ap-northeast-1");
      data(S.CloudPlanListSchema, await api("GET", "/app/cloud/plans?account=aws-tokyo", K.viewer));
      data(S.CloudImageListSchema, await api("GET", "/app/cloud/images?account=aws-tokyo", K.viewer));
      const replies = data(S.TicketReplyListSchema, await api("GET", "/app/feedback-tickets/1/replies", K.viewer));
      expect(replies.pagination).toBeNull();
    });
  });

  describe("nodes and tunnels", () => {
    it("sorted by name, k2v5 shown as k2s, tunnels always an array, decommissioned rows", async () => {
      const { items } = data(S.NodeListSchema, await api("GET", "/app/nodes", K.viewer));
      const names = items.map((n) => n.name);
      expect(names).toEqual([...names].sort());
      const tokyo = items.find((n) => n.name === "jp-tokyo-01")!;
      expect(tokyo.tunnels[0].protocol).toBe("k2s");
      expect(tokyo.tunnels[0].name).toMatch(/^JP \d{4}$/);
      expect(tokyo.tunnels[0].serverUrl).toMatch(/^k2v5:\/\//);
      const legacy = items.find((n) => n.name === "us-la-bwh-02")!;
      expect(legacy.tunnels[0].protocol).toBe("k2v4");
      expect(legacy.tunnels[0].serverUrl).toBeUndefined();
      const decom = items.filter((n) => n.tunnels.length === 0);
      expect(decom.map((n) => n.name)).toEqual(["127.0.0.91", "127.0.0.92"]);
      expect(decom.every((n) => n.name === n.ipv4)).toBe(true);
      const pn = items.find((n) => n.name === "pn-1001")!;
      expect(pn.class).toBe("private");
      expect(pn.privateOwnerUserId).toBe(504);
    });

    it("update returns DataSlaveNode (load 0); unknown → 404; delete hard-deletes", async () => {
      const d = data(S.DataSlaveNodeSchema, await api("PUT", "/app/nodes/127.0.0.91", K.editor, { name: "old-oregon", ipType: "weird" }));
      expect(d).toMatchObject({ name: "old-oregon", ipType: "unknown", load: 0, trafficUsagePercent: 0 });
      error(await api("PUT", "/app/nodes/9.9.9.9", K.editor, {}), 404, /node not found/);
      data(S.EmptyDataSchema, await api("DELETE", "/app/nodes/127.0.0.91", K.editor));
      error(await api("DELETE", "/app/nodes/127.0.0.91", K.editor), 404);
      expect(sim.state.audit.map((a) => a.action)).toEqual(expect.arrayContaining(["node_update", "node_delete"]));
    });

    it("tunnels: k2s alias filter, load 100 until a status report, raw protocol on update, delete w/o existence check", async () => {
      const all = data(S.TunnelListSchema, await api("GET", "/app/tunnels?protocol=k2s&pageSize=100", K.viewer));
      expect(all.items.every((t) => t.protocol === "k2s")).toBe(true);
      const t = all.items.find((x) => x.node.ipv4 === "127.0.0.12")!;
      expect(t.node.load).toBe(100);
      expect(t.node.id).toBe(0);
      const secret = S.strictParse; // keep linter quiet about unused helper in this block
      void secret;
      const { fleetNodeSecret } = await import("./seed");
      const rep = await api("POST", "/slave/report/status", null, { updatedAt: sim.now(), health: { cpuUsage: 20, memoryUsage: 40, networkLatencyMs: 30, packetLossPercent: 0 } }, basic("127.0.0.12", fleetNodeSecret("127.0.0.12")));
      expect(data(S.StatusReportResponseSchema, rep)).toEqual({ success: true });
      const again = data(S.TunnelListSchema, await api("GET", "/app/tunnels?protocol=k2v5&pageSize=100", K.viewer));
      // Center stores calculateServerLoad = max(28 = 0.7·worst(40), 15 = weighted) = 28, and shows
      // CalculateNodeLoad of that row: int(0.4·(0.25·28 + 0.15·40) + 0 + 0) = int(5.2) = 5
      expect(again.items.find((x) => x.node.ipv4 === "127.0.0.12")!.node.load).toBe(5);
      const row = sim.state.loadRows.at(-1)!;
      expect(row).toMatchObject({ load: 28, memoryUsagePercent: 40, networkLatencyMs: 30 });
      expect(row.nodeId).toBe(sim.state.nodes.find((n) => n.ipv4 === "127.0.0.12")!.id);
      const upd = data(S.DataSlaveTunnelSchema, await api("PUT", `/app/tunnels/${t.id}`, K.editor, { port: 8443, name: "ignored" }));
      expect(upd.protocol).toBe("k2v5");
      expect(upd.port).toBe(8443);
      data(S.EmptyDataSchema, await api("DELETE", "/app/tunnels/999999", K.editor));
    });
  });

  describe("node operations (§5.8)", () => {
    it("claim only from queued; identity only for provision; lease 600 never enforced", async () => {
      const q = data(S.NodeOperationListSchema, await api("GET", "/app/node-operations?action=provision&status=queued", K.viewer));
      expect(q.items.length).toBe(3);
      const op = q.items[q.items.length - 1];
      expect(S.ProvisionParamsSchema.parse(JSON.parse(op.params))).toMatchObject({ region: "ap-tokyo" });
      expect(op.cloudInstanceId).toBeNull();
      const c = data(S.ClaimResponseSchema, await api("POST", `/app/node-operations/${op.id}/claim`, K.editor, {}));
      expect(c.operation).toMatchObject({ status: "claimed", holder: "admin:devops-editor@sim.kaitu.io" });
      expect(c.operation.leaseDeadline - c.operation.leasedAt).toBe(600);
      expect(c.identity).toEqual({ claimToken: expect.stringMatching(/^[0-9a-f]{64}$/), centerUrl: sim.url, domain: "" });
      error(await api("POST", `/app/node-operations/${op.id}/claim`, K.editor, {}), 409, /not claimable/);
      error(await api("POST", "/app/node-operations/424242/claim", K.editor, { holder: "x" }), 409);
      sim.advanceTime(3600); // lease long expired: nothing happens
      const still = data(S.NodeOperationListSchema, await api("GET", "/app/node-operations?status=claimed", K.viewer));
      expect(still.items.map((o) => o.id)).toContain(op.id);
    });

    it("update: provision→done is 400; otherwise unconditional; lastError overwritten; completedAt on terminal", async () => {
      const q = data(S.NodeOperationListSchema, await api("GET", "/app/node-operations?action=provision&status=queued", K.viewer));
      const op = q.items[0];
      error(await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "done" }), 400, /self-registration/);
      error(await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "claimed" }), 422);
      error(await api("POST", "/app/node-operations/999999/update", K.editor, { status: "failed" }), 404);
      data(S.EmptyDataSchema, await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "failed", error: "no capacity" }));
      let cur = sim.state.ops.find((o) => o.id === op.id)!;
      expect(cur).toMatchObject({ status: "failed", lastError: "no capacity" });
      expect(cur.completedAt).toBeGreaterThan(0);
      data(S.EmptyDataSchema, await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "in_progress", result: { instanceId: "i-1", ipv4: "1.2.3.4" } }));
      cur = sim.state.ops.find((o) => o.id === op.id)!;
      expect(cur.status).toBe("in_progress");
      expect(cur.lastError).toBe("");
      expect(JSON.parse(cur.result)).toEqual({ instanceId: "i-1", ipv4: "1.2.3.4" });
      expect(cur.completedAt).toBeGreaterThan(0); // not reset
      const listed = data(S.NodeOperationListSchema, await api("GET", `/app/node-operations?status=in_progress`, K.viewer)).items.find((o) => o.id === op.id)!;
      expect(listed.lastError).toBeUndefined();
    });

    it("create: only change_ip/stop/destroy; 404 sub; 400 without instance; dedup 409", async () => {
      error(await api("POST", "/app/node-operations", K.editor, { subId: 1001, action: "provision" }), 422);
      error(await api("POST", "/app/node-operations", K.editor, { subId: 777, action: "stop" }), 404, /subscription not found/);
      const pendingSub = sim.state.subs.find((s) => s.status === "provisioning")!;
      error(await api("POST", "/app/node-operations", K.editor, { subId: pendingSub.id, action: "stop" }), 400, /no cloud instance/);
      const op = data(S.NodeOperationSchema, await api("POST", "/app/node-operations", K.editor, { subId: 1001, action: "change_ip", params: { reason: "blocked in CN" } }));
      expect(op).toMatchObject({ status: "queued", action: "change_ip", createdBy: "admin:devops-editor@sim.kaitu.io" });
      expect(op.cloudInstanceId).toBeGreaterThan(0);
      expect(JSON.parse(op.params)).toEqual({ reason: "blocked in CN" });
      error(await api("POST", "/app/node-operations", K.editor, { subId: 1001, action: "change_ip" }), 409);
      const c = data(S.ClaimResponseSchema, await api("POST", `/app/node-operations/${op.id}/claim`, K.editor, { holder: "agent-7", leaseSeconds: 60 }));
      expect(c.identity).toBeUndefined();
      expect(c.operation.holder).toBe("agent-7");
      data(S.EmptyDataSchema, await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "done", result: { oldIp: "127.0.0.22", newIp: "127.0.0.23" } }));
      data(S.EmptyDataSchema, await api("POST", `/app/node-operations/${op.id}/update`, K.editor, { status: "in_progress" })); // done → in_progress allowed
    });

    it("provision is done ONLY by node self-registration carrying the matching claim", async () => {
      const { op } = sim.createProvisionRequest({ region: "ap-seoul", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" });
      const c = data(S.ClaimResponseSchema, await api("POST", `/app/node-operations/${op.id}/claim`, K.editor, { holder: "prov" }));
      const claim = c.identity!.claimToken;
      // a registration with another claim does not complete it
      data(S.SlaveNodeUpsertResponseSchema, await api("PUT", "/slave/nodes/127.0.0.150", null, { country: "KR", name: "pn-x", secretToken: "s".repeat(64), privateClaim: "f".repeat(64) }));
      expect(sim.state.ops.find((o) => o.id === op.id)!.status).toBe("claimed");
      // the real node registers with the claim
      const reg = data(
        S.SlaveNodeUpsertResponseSchema,
        await api("PUT", "/slave/nodes/127.0.0.151", null, {
          country: "KR", name: `pn-${op.subId}`, secretToken: "a".repeat(64), privateClaim: claim, region: "kr-seoul",
          tunnels: [{ domain: "127-0-0-151.sslip.io", port: 443, protocol: "k2v5", serverUrl: "k2v5://127-0-0-151.sslip.io:443?pin=sha256:x" }],
        }),
      );
      expect(reg.created).toBe(true);
      expect(reg.tunnels?.[0]).toMatchObject({ domain: "127-0-0-151.sslip.io", protocol: "k2v5", created: true, hasTunnel: true, hasRelay: false });
      const done = data(S.NodeOperationListSchema, await api("GET", "/app/node-operations?action=provision&status=done", K.viewer)).items.find((o) => o.id === op.id)!;
      expect(JSON.parse(done.result)).toEqual({ ipv4: "127.0.0.151" });
      expect(done.completedAt).toBeGreaterThan(0);
      const node = data(S.NodeListSchema, await api("GET", "/app/nodes", K.viewer)).items.find((n) => n.ipv4 === "127.0.0.151")!;
      expect(node).toMatchObject({ class: "private", privateOwnerUserId: 501 });
      const sub = sim.state.subs.find((s) => s.id === op.subId)!;
      expect(sub).toMatchObject({ status: "active", boundIpv4: "127.0.0.151", provisionClaimToken: "" });
      const other = data(S.NodeListSchema, await api("GET", "/app/nodes", K.viewer)).items.find((n) => n.ipv4 === "127.0.0.150")!;
      expect(other.class).toBe("private");
      expect(other.privateOwnerUserId).toBeUndefined();
    });

    it("30-minute timeout sweep fails the sub and its open provision ops; the claim is then useless", async () => {
      const { op, sub } = sim.createProvisionRequest({ region: "ap-tokyo" });
      const c = data(S.ClaimResponseSchema, await api("POST", `/app/node-operations/${op.id}/claim`, K.editor, {}));
      sim.advanceTime(29 * 60);
      expect(sim.sweepProvisionTimeouts().ops).not.toContain(op.id);
      sim.advanceTime(2 * 60);
      const swept = sim.sweepProvisionTimeouts();
      expect(swept.subs).toContain(sub.id);
      const failed = sim.state.ops.find((o) => o.id === op.id)!;
      expect(failed).toMatchObject({ status: "failed", lastError: "subscription provisioning timed out" });
      data(S.SlaveNodeUpsertResponseSchema, await api("PUT", "/slave/nodes/127.0.0.152", null, { country: "JP", name: "late", secretToken: "b".repeat(64), privateClaim: c.identity!.claimToken }));
      expect(sim.state.ops.find((o) => o.id === op.id)!.status).toBe("failed");
      expect(sim.state.subs.find((s) => s.id === sub.id)!.status).toBe("failed");
    });
  });

  describe("/slave API", () => {
    const IP = "127.0.0.160";
    const A = "1".repeat(64);
    const B = "2".repeat(64);
    it("TOFU registration, tunnels replaced, 403 on secret mismatch, Basic auth failures are code 500", async () => {
      const body = (secret: string, domains: string[]) => ({ country: "SG", name: "sg-new", secretToken: secret, tunnels: domains.map((d) => ({ domain: d, port: 443, protocol: "k2 v5" })) });
      const r1 = data(S.SlaveNodeUpsertResponseSchema, await api("PUT", `/slave/nodes/${IP}`, null, body(A, ["a.sim", "b.sim"])));
      expect(r1).toMatchObject({ ipv4: IP, secretToken: A, created: true });
      expect(r1.tunnels?.map((t) => t.protocol)).toEqual(["k2v5", "k2v5"]);
      const r2 = data(S.SlaveNodeUpsertResponseSchema, await api("PUT", `/slave/nodes/${IP}`, null, body(A, ["c.sim"])));
      expect(r2.created).toBe(false);
      expect(r2.tunnels?.[0].created).toBe(true);
      const r3 = data(S.SlaveNodeUpsertResponseSchema, await api("PUT", `/slave/nodes/${IP}`, null, body(A, ["c.sim"]))); // connect-url re-PUT
      expect(r3).toMatchObject({ created: false, tunnels: [{ domain: "c.sim", created: false }] });
      const node = data(S.NodeListSchema, await api("GET", "/app/nodes", K.viewer)).items.find((n) => n.ipv4 === IP)!;
      expect(node.tunnels.map((t) => t.domain)).toEqual(["c.sim"]);
      error(await api("PUT", `/slave/nodes/${IP}`, null, body(B, [])), 403, /invalid secretToken/);
      error(await api("PUT", `/slave/nodes/${IP}`, null, { name: "x", secretToken: A }), 422);
      const usage = { epoch_id: 100, cumulative_bytes: 1, quota_total_bytes: 0, seq: 1, ts: 1 };
      error(await api("POST", "/slave/usage", null, usage), 500, /invalid authorization format/);
      error(await api("POST", "/slave/usage", null, usage, basic(IP, B)), 500, /invalid secret token/);
      error(await api("POST", "/slave/usage", null, usage, basic("8.8.8.8", A)), 500, /invalid node credentials/);
      error(await api("DELETE", "/slave/nodes/127.0.0.11", null, undefined, basic(IP, A)), 403, /ipv4 mismatch/);
      // graceful stop: hard delete; next registration is first use again (any secret)
      data(S.EmptyDataSchema, await api("DELETE", `/slave/nodes/${IP}`, null, undefined, basic(IP, A)));
      expect(sim.state.nodes.find((n) => n.ipv4 === IP)).toBeUndefined();
      expect(data(S.SlaveNodeUpsertResponseSchema, await api("PUT", `/slave/nodes/${IP}`, null, body(B, ["c.sim"]))).created).toBe(true);
    });

    it("/slave/usage: max within epoch, reset on higher epoch, older epoch ignored, interval 60", async () => {
      const post = (epoch: number, cum: number, quota = 10 * 2 ** 30) =>
        api("POST", "/slave/usage", null, { epoch_id: epoch, cumulative_bytes: cum, quota_total_bytes: quota, seq: 1, ts: sim.now() }, basic(IP, B));
      const r = data(S.NodeUsageResponseSchema, await post(2000, 500));
      expect(r).toEqual({ next_report_interval: 60 });
      await post(2000, 800);
      expect(sim.state.usages[IP]).toMatchObject({ epoch: 2000, usedBytes: 800 });
      await post(2000, 300);
      expect(sim.state.usages[IP].usedBytes).toBe(800);
      await post(1000, 5000);
      expect(sim.state.usages[IP]).toMatchObject({ epoch: 2000, usedBytes: 800 });
      await post(3000, 10);
      expect(sim.state.usages[IP]).toMatchObject({ epoch: 3000, usedBytes: 10 });
      error(await api("POST", "/slave/usage", null, { epoch_id: "x" }, basic(IP, B)), 422, /bad usage payload/);
      const u = sim.state.usages[IP];
      expect(usageFlags(u, sim.now())).toEqual({ overQuota: false, offline: false });
      expect(usageFlags({ ...u, usedBytes: 10 * 2 ** 30 - 500 * 2 ** 20 }, sim.now()).overQuota).toBe(true);
      expect(usageFlags(u, sim.now() + 181).offline).toBe(true);
      // hiding on the end-user list: over quota (500 MiB reserve) hides the node
      const visible = async () => {
        const r = await api("GET", "/api/tunnels", null, undefined, { Authorization: "Bearer sim-device-token-alice" });
        return (r.json.data as { items: { node: { ipv4: string } }[] }).items.map((x) => x.node.ipv4);
      };
      expect(await visible()).toContain(IP);
      await post(3000, 10 * 2 ** 30 - 500 * 2 ** 20);
      expect(await visible()).not.toContain(IP);
      await post(4000, 0); // new cycle
      expect(await visible()).toContain(IP);
      sim.advanceTime(181); // three missed reports
      expect(await visible()).not.toContain(IP);
      await post(4000, 1);
      expect(await visible()).toContain(IP);
      error(await api("GET", "/api/tunnels", null), 401);
    });

    it("AWS authoritative correction when provider usage exceeds the self-report", async () => {
      const { fleetNodeSecret } = await import("./seed");
      sim.syncCloud();
      const inst = sim.state.instances.find((i) => i.ip_address === "127.0.0.11" && !i.deletedAt)!;
      expect(inst.provider).toBe("aws_lightsail");
      const r = data(
        S.NodeUsageResponseSchema,
        await api("POST", "/slave/usage", null, { epoch_id: inst.traffic_reset_at, cumulative_bytes: 1, quota_total_bytes: 0, seq: 1, ts: 1 }, basic("127.0.0.11", fleetNodeSecret("127.0.0.11"))),
      );
      expect(r.authoritative_used_bytes).toBe(inst.trafficUsedBytes);
      expect(sim.state.usages["127.0.0.11"].usedBytes).toBe(inst.trafficUsedBytes);
    });

    it("device-check-auth codes", async () => {
      const check = (b: unknown) => api("POST", "/slave/device-check-auth", null, b, basic(IP, B));
      const ok = data(S.DeviceCheckAuthResponseSchema, await check({ udid: "udid-alice-mac", token: "sim-device-token-alice" }));
      expect(ok.userID).toBe(501);
      error(await check({ udid: "other", token: "sim-device-token-alice" }), 401, /UDID mismatch/);
      error(await check({ udid: "x", token: "nope" }), 401);
      error(await check({ udid: "udid-alice-mac", token: "sim-device-token-alice", mode: "gateway" }), 403, /device class mismatch/);
      error(await check({ udid: "udid-mallory", token: "sim-device-token-mallory" }), 403, /blocked/);
      error(await check({ udid: "udid-bob-phone", token: "sim-device-token-bob" }), 402, /membership expired/);
      data(S.AccelerateTunnelListSchema, await api("GET", "/slave/accelerate-tunnels", null, undefined, basic(IP, B)));
      const rd = data(S.ResolveDomainResponseSchema, await api("GET", "/slave/resolve-domain?domain=c.sim", null, undefined, basic(IP, B)));
      expect(rd).toMatchObject({ found: true, ip: IP, is_current: true });
      error(await api("GET", "/slave/resolve-domain", null, undefined, basic(IP, B)), 422);
    });

    it("status reports: one slave_node_loads row each (Go's calculateServerLoad), /app/tunnels scores the latest; rows go with the node", async () => {
      const IP2 = "127.0.0.161";
      const C = "3".repeat(64);
      await api("PUT", `/slave/nodes/${IP2}`, null, { country: "JP", name: "st", secretToken: C, tunnels: [{ domain: "st.sim", port: 443, protocol: "k2v5" }] });
      const load = async () => data(S.TunnelListSchema, await api("GET", "/app/tunnels?pageSize=100", K.viewer)).items.find((t) => t.domain === "st.sim")!.node.load;
      expect(await load()).toBe(100); // never reported
      const report = (health: unknown, secret = C) => api("POST", "/slave/report/status", null, { updatedAt: sim.now(), health }, basic(IP2, secret));
      // the sidecar's body (collector.go → Node.ReportStatus): every Health field
      const h = { cpuUsage: 2.5, memoryUsage: 36.4, diskUsage: 43, networkIn: 15365, networkOut: 5365, connections: 0, networkSpeedMbps: 0, bandwidthUpMbps: 0.00036, bandwidthDownMbps: 0.001, networkLatencyMs: 0, packetLossPercent: 0, billingCycleEndAt: 1798761600, monthlyTrafficLimitBytes: 1000 * 2 ** 30, usedTrafficBytes: 900 * 2 ** 30 };
      expect(data(S.StatusReportResponseSchema, await report(h))).toEqual({ success: true });
      const node = sim.state.nodes.find((n) => n.ipv4 === IP2)!;
      const rows = () => sim.state.loadRows.filter((r) => r.nodeId === node.id);
      expect(rows()).toHaveLength(1);
      // stored load: max(0.7·43 = 30, weighted int(0.5 + 9 + 4.3) = 13) = 30; CPU itself is not stored
      expect(rows()[0]).toMatchObject({ load: 30, memoryUsagePercent: 36.4, diskUsagePercent: 43, totalBytesReceived: 15365, totalBytesSent: 5365, usedTrafficBytes: 900 * 2 ** 30 });
      expect(rows()[0]).not.toHaveProperty("cpuUsage");
      // shown: int(0.4·(0.25·30 + 0.15·36.4) + 0.3·0 + 0.3·(30 + (0.9 − 0.8)/0.15·40)) = int(5.184 + 17) = 22
      expect(await load()).toBe(22);
      // hard floors and the penalties' steps
      await report({ cpuUsage: 91 });
      expect(rows().at(-1)!.load).toBe(95);
      expect(await load()).toBe(9); // int(0.4·0.25·95)
      await report({ memoryUsage: 10, networkLatencyMs: 150, packetLossPercent: 2 });
      // stored: loss 2 % → 20 + 15 = 35 → max(int(0.7·35) = 24, int(2.5 + 1 + 5.25) = 8) = 24;
      // shown: 0.4·(6 + 1.5) + 0.3·((0.5 + 0.5 + 0.1)/2·100) = 3 + 16.5 → 19
      expect(rows().at(-1)!.load).toBe(24);
      expect(await load()).toBe(19);
      // Health is optional (all zero); wrong types are gin's 422; node auth as for every /slave route
      data(S.StatusReportResponseSchema, await api("POST", "/slave/report/status", null, { updatedAt: 1 }, basic(IP2, C)));
      expect(rows().at(-1)!.load).toBe(0);
      error(await report({ cpuUsage: "high" }), 422, /cpuUsage of type float64/);
      error(await report({ networkIn: 1.5 }), 422, /networkIn of type int64/);
      error(await api("POST", "/slave/report/status", null, "", basic(IP2, C)), 422);
      error(await report(h, "9".repeat(64)), 500, /invalid secret token/);
      // a re-registration keeps the node (and its rows); the graceful-stop DELETE takes them along
      await api("PUT", `/slave/nodes/${IP2}`, null, { country: "JP", name: "st", secretToken: C, tunnels: [{ domain: "st.sim", port: 443, protocol: "k2v5", serverUrl: "k2v5://st.sim:443?ech=E&pin=sha256:P" }] });
      expect(rows().length).toBe(4);
      expect(data(S.TunnelListSchema, await api("GET", "/app/tunnels?pageSize=100", K.viewer)).items.find((t) => t.domain === "st.sim")!.serverUrl).toBe("k2v5://st.sim:443?ech=E&pin=sha256:P");
      data(S.EmptyDataSchema, await api("DELETE", `/slave/nodes/${IP2}`, null, undefined, basic(IP2, C)));
      expect(sim.state.loadRows.filter((r) => r.nodeId === node.id)).toHaveLength(0);
    });

    it("status rows: only the newest ones per node are kept", async () => {
      const IP3 = "127.0.0.162";
      const D = "4".repeat(64);
      await api("PUT", `/slave/nodes/${IP3}`, null, { country: "JP", name: "many", secretToken: D });
      const id = sim.state.nodes.find((n) => n.ipv4 === IP3)!.id;
      for (let i = 0; i < 105; i++) await api("POST", "/slave/report/status", null, { updatedAt: i, health: { diskUsage: i } }, basic(IP3, D));
      const mine = sim.state.loadRows.filter((r) => r.nodeId === id);
      expect(mine).toHaveLength(100);
      expect(mine.at(-1)!.diskUsagePercent).toBe(104);
      expect(mine[0].diskUsagePercent).toBe(5);
    });

    it("next_report_interval is configurable", async () => {
      const s2 = await startCenterSim({ usageReportIntervalSec: 5, realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: 0 });
      try {
        const a2 = mk(() => s2);
        await a2("PUT", "/slave/nodes/127.0.0.5", null, { country: "JP", name: "n", secretToken: "k".repeat(64) });
        const r = data(S.NodeUsageResponseSchema, await a2("POST", "/slave/usage", null, { epoch_id: 1, cumulative_bytes: 1, quota_total_bytes: 1, seq: 1, ts: 1 }, basic("127.0.0.5", "k".repeat(64))));
        expect(r.next_report_interval).toBe(5);
        // fresh Center: no node pre-registered by default, decommissioned rows and 0 queued ops
        const n = data(S.NodeListSchema, await a2("GET", "/app/nodes", s2.accessKeys.viewer));
        expect(n.items.map((x) => x.name)).toEqual(["127.0.0.91", "127.0.0.92", "n"]);
      } finally {
        await s2.close();
      }
    });
  });

  describe("cloud", () => {
    it("instance DTO: snake_case, GiB floats, clamped ratios, node_name joined by IP", async () => {
      const list = data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances?pageSize=100", K.viewer));
      const ids = list.items.map((i) => i.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const ls = list.items.find((i) => i.ip_address === "127.0.0.12")!;
      expect(ls).toMatchObject({ provider: "aws_lightsail", account_name: "aws-tokyo", instance_id: "jp-tokyo-02", node_name: "jp-tokyo-02", traffic_total_gb: 1024 });
      expect(ls.traffic_used_gb).toBeGreaterThan(0);
      expect(Number.isInteger(ls.traffic_used_gb)).toBe(false);
      const sa = list.items.find((i) => i.provider === "ssh_standalone" && i.ip_address === "127.0.0.21")!;
      expect(sa).toMatchObject({ instance_id: "127.0.0.21", traffic_total_gb: 2048 });
      const one = data(S.CloudInstanceSchema, await api("GET", `/app/cloud/instances/${ls.id}`, K.viewer));
      expect(one.id).toBe(ls.id);
      error(await api("GET", "/app/cloud/instances/999999", K.viewer), 404, /instance not found/);
      const aws = data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances?provider=aws_lightsail&pageSize=100", K.viewer));
      expect(aws.items.every((i) => i.provider === "aws_lightsail")).toBe(true);
    });

    it("plans/images need an account; bandwagon 405; unknown 404", async () => {
      error(await api("GET", "/app/cloud/plans", K.viewer), 422, /account is required/);
      error(await api("GET", "/app/cloud/images?account=nope", K.viewer), 404);
      error(await api("GET", "/app/cloud/plans?account=bwh-main", K.viewer), 405);
      const plans = data(S.CloudPlanListSchema, await api("GET", "/app/cloud/plans?account=aws-global", K.viewer));
      expect(plans.items.find((p) => p.id === "small_3_2")!.transferTb).toBeCloseTo(1.5);
    });

    it("create is deferred; running the tasks calls onCreateInstance and a NEW instance appears", async () => {
      error(await api("POST", "/app/cloud/instances", K.editor, { account_name: "aws-tokyo", region: "ap-northeast-1a", plan: "micro_3_2" }), 422);
      error(await api("POST", "/app/cloud/instances", K.editor, { account_name: "nope", region: "r", plan: "p", image_id: "i", name: "n" }), 404);
      error(await api("POST", "/app/cloud/instances", K.editor, { account_name: "ssh_standalone", region: "r", plan: "p", image_id: "i", name: "n" }), 405);
      const before = sim.state.instances.length;
      const t = data(S.TaskIdSchema, await api("POST", "/app/cloud/instances", K.editor, { account_name: "aws-tokyo", region: "ap-northeast-1a", plan: "micro_3_2", image_id: "ubuntu_22_04", name: "pn-2001" }));
      expect(sim.state.instances.length).toBe(before);
      expect(sim.pendingTasks().map((x) => x.task_id)).toContain(t.task_id);
      const runAt = sim.pendingTasks().find((x) => x.task_id === t.task_id)!.runAt;
      expect(new Date(runAt * 1000).getUTCHours()).toBe(18); // 02:00 Asia/Shanghai
      const res = await sim.runDeferredTasks();
      expect(res.find((r) => r.task_id === t.task_id)).toMatchObject({ ok: true, ipv4: "127.0.0.101" });
      expect(created.at(-1)).toMatchObject({ accountName: "aws-tokyo", provider: "aws_lightsail", region: "ap-northeast-1a", plan: "micro_3_2", imageId: "ubuntu_22_04", name: "pn-2001" });
      const inst = data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances?account=aws-tokyo&pageSize=100", K.viewer)).items.find((i) => i.name === "pn-2001")!;
      expect(inst).toMatchObject({ ip_address: "127.0.0.101", instance_id: "pn-2001", region: "ap-northeast-1" });
      expect(inst.node_name).toBeUndefined();
      await api("PUT", "/slave/nodes/127.0.0.101", null, { country: "JP", name: "pn-2001", secretToken: "9".repeat(64) });
      expect(data(S.CloudInstanceSchema, await api("GET", `/app/cloud/instances/${inst.id}`, K.viewer)).node_name).toBe("pn-2001");
      expect(sim.lightsailInventory().map((i) => i.name)).toContain("pn-2001");
    });

    it("change-ip and delete are deferred; provider failures are invisible to the HTTP caller", async () => {
      const list = data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances?pageSize=100", K.viewer)).items;
      const ls = list.find((i) => i.name === "jp-tokyo-02")!;
      const ali = list.find((i) => i.provider === "alibaba_swas")!;
      const sa = list.find((i) => i.provider === "ssh_standalone")!;
      const a = data(S.TaskIdSchema, await api("POST", `/app/cloud/instances/${ls.id}/change-ip`, K.editor)); // no body is fine here
      const b = data(S.TaskIdSchema, await api("POST", `/app/cloud/instances/${ali.id}/change-ip`, K.editor, {}));
      error(await api("DELETE", `/app/cloud/instances/${sa.id}`, K.editor), 405);
      const d = data(S.TaskIdSchema, await api("DELETE", `/app/cloud/instances/${ls.id}`, K.editor));
      const res = await sim.runDeferredTasks();
      expect(res.find((r) => r.task_id === a.task_id)).toMatchObject({ ok: true, ipv4: "127.0.0.199" });
      expect(res.find((r) => r.task_id === b.task_id)).toMatchObject({ ok: false, error: expect.stringMatching(/not supported/) });
      expect(res.find((r) => r.task_id === d.task_id)!.ok).toBe(true);
      error(await api("GET", `/app/cloud/instances/${ls.id}`, K.viewer), 404);
    });

    it("traffic-config only for ssh_standalone; sync returns a task id", async () => {
      const list = data(S.CloudInstanceListSchema, await api("GET", "/app/cloud/instances?pageSize=100", K.viewer)).items;
      const sa = list.find((i) => i.provider === "ssh_standalone" && i.ip_address === "127.0.0.21")!;
      const ls = list.find((i) => i.provider === "aws_lightsail")!;
      error(await api("PUT", `/app/cloud/instances/${ls.id}/traffic-config`, K.editor, { traffic_total_gb: 100 }), 405);
      error(await api("PUT", `/app/cloud/instances/${sa.id}/traffic-config`, K.editor, { traffic_total_gb: 0 }), 422);
      const r = data(S.TrafficConfigResponseSchema, await api("PUT", `/app/cloud/instances/${sa.id}/traffic-config`, K.editor, { traffic_total_gb: 1500 }));
      expect(r).toEqual({ traffic_total_gb: 1500, message: "traffic config updated" });
      expect(data(S.CloudInstanceSchema, await api("GET", `/app/cloud/instances/${sa.id}`, K.viewer)).traffic_total_gb).toBe(1500);
      data(S.TaskIdSchema, await api("POST", "/app/cloud/instances/sync", K.editor, {}));
    });

    it("reboot goes through the onRebootInstance hook", async () => {
      await sim.rebootInstance("127.0.0.11");
      expect(reboots).toEqual(["127.0.0.11"]);
    });
  });

  describe("device logs and tickets", () => {
    it("logs: filters, meta as JSON string, downloadable gzip with DIAG lines", async () => {
      const all = data(S.DeviceLogListSchema, await api("GET", "/app/device-logs?pageSize=100", K.support));
      expect(all.items.length).toBeGreaterThan(5);
      const fb = data(S.DeviceLogListSchema, await api("GET", "/app/device-logs?feedback_id=fb-7f3a2c91", K.viewer));
      expect(fb.items.map((d) => d.logType).sort()).toEqual(["desktop", "service"]);
      const beta = data(S.DeviceLogListSchema, await api("GET", "/app/device-logs?reason=beta-auto-upload&from=garbage", K.viewer));
      expect(beta.items.every((d) => d.feedbackId === undefined)).toBe(true);
      const client = createCenterClient({ baseUrl: sim.url, accessKey: K.viewer, logBucketUrl: sim.logBucketUrl });
      const bundle = fb.items.find((d) => d.s3Key.endsWith(".tar.gz"))!;
      const dl = await client.downloadDeviceLog(bundle.s3Key);
      const k2 = dl.files.find((f) => f.name === "k2.log")!;
      expect(k2.text).toMatch(/msg="DIAG: heartbeat" health=\w+ transport=(quic|tcp-ws) loss=[\d.]+ rttMs=\d+/);
      expect(k2.text).toContain("DIAG: quic-handshake-fail");
      expect(k2.text).toContain("DIAG: transport-switch");
      const svc = await client.downloadDeviceLog(fb.items.find((d) => d.logType === "service")!.s3Key);
      expect(svc.format).toBe("gzip");
      expect(svc.files[0].text).toContain("DIAG: session-end");
      const zipLog = data(S.DeviceLogListSchema, await api("GET", "/app/device-logs?feedback_id=fb-5ca1ab1e", K.viewer)).items[0];
      const z = await client.downloadDeviceLog(zipLog.s3Key);
      expect(z.format).toBe("zip");
      expect(z.files.map((f) => f.name)).toEqual(["k2.log", "app.log"]);
      expect(z.files[0].text).toContain("DIAG: heartbeat");
      const missing = await fetch(`${sim.logBucketUrl}/no/such.tar.gz`);
      expect(missing.status).toBe(404);
    });

    it("tickets: logCount per feedbackId, filters, resolve/close/reply rules", async () => {
      const all = data(S.FeedbackTicketListSchema, await api("GET", "/app/feedback-tickets?pageSize=100", K.support));
      const t = all.items.find((x) => x.feedbackId === "fb-7f3a2c91")!;
      expect(t.logCount).toBe(2);
      expect(t.lastReplyBy).toBe("user");
      const auto = data(S.FeedbackTicketListSchema, await api("GET", "/app/feedback-tickets?auto_generated=true&pageSize=100", K.support));
      expect(auto.items.every((x) => x.autoGenerated && x.udid.startsWith("pn:sub:"))).toBe(true);
      expect(data(S.FeedbackTicketListSchema, await api("GET", "/app/feedback-tickets?email=bob@", K.viewer)).items).toHaveLength(1);
      error(await api("PUT", `/app/feedback-tickets/${t.id}/resolve`, K.support, {}), 422);
      data(S.EmptyDataSchema, await api("PUT", `/app/feedback-tickets/${t.id}/resolve`, K.support, { resolvedBy: "ops" }));
      const rep = data(S.TicketReplySchema, await api("POST", `/app/feedback-tickets/${t.id}/reply`, K.support, { content: "Please try TCP mode." }));
      expect(rep).toMatchObject({ senderType: "admin", senderName: "客服" });
      const replies = data(S.TicketReplyListSchema, await api("GET", `/app/feedback-tickets/${t.id}/replies`, K.viewer));
      expect(replies.items.map((r) => r.senderType)).toEqual(["user", "admin"]);
      const after = data(S.FeedbackTicketListSchema, await api("GET", `/app/feedback-tickets?status=resolved&lastReplyBy=admin`, K.viewer)).items.find((x) => x.id === t.id)!;
      expect(after).toMatchObject({ status: "resolved", resolvedBy: "ops" });
      data(S.EmptyDataSchema, await api("PUT", `/app/feedback-tickets/${t.id}/close`, K.support));
      error(await api("PUT", `/app/feedback-tickets/${t.id}/close`, K.support), 404);
    });
  });

  describe("the console's client against the simulator", () => {
    it("typed calls, CenterError on 409, listAllNodes across 500-node pages", async () => {
      const c = createCenterClient({ baseUrl: sim.url, accessKey: K.editor });
      expect((await c.myPermissions()).roles).toBe(33);
      const e = await c.claimNodeOperation(987654).catch((x) => x);
      expect(e).toBeInstanceOf(CenterError);
      expect(e.code).toBe(409);
      for (let i = 0; i < 520; i++) sim.registerNode(`10.9.${Math.floor(i / 200)}.${i % 200}`, { country: "US", name: `zz-bulk-${String(i).padStart(3, "0")}`, secretToken: "z".repeat(64) });
      const nodes = await c.listAllNodes();
      expect(nodes.length).toBe(sim.state.nodes.length);
      expect(nodes.length).toBeGreaterThan(500);
      expect(nodes.at(-1)!.name).toBe("zz-bulk-519");
      expect((await c.listAllCloudInstances()).length).toBeGreaterThan(5);
      expect((await c.listCloudAccounts()).pagination.total).toBe(6);
    });
  });
});

describe("Center simulator: snapshot and deferred modes", () => {
  it("state survives a restart through the JSON snapshot", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "center-sim-"));
    const file = path.join(dir, "center.json");
    const a = await startCenterSim({ snapshotPath: file, realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0 });
    const api = mk(() => a);
    await api("PUT", "/slave/nodes/127.0.0.77", null, { country: "FR", name: "fr-paris-01", secretToken: "p".repeat(64) });
    const keys = a.accessKeys;
    await a.close();
    const b = await startCenterSim({ snapshotPath: file, realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0 });
    try {
      const api2 = mk(() => b);
      const n = data(S.NodeListSchema, await api2("GET", "/app/nodes", keys.viewer));
      expect(n.items.map((x) => x.name)).toContain("fr-paris-01");
      error(await api2("PUT", "/slave/nodes/127.0.0.77", null, { country: "FR", name: "x", secretToken: "q".repeat(64) }), 403);
    } finally {
      await b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("immediate mode runs cloud tasks right after the response", async () => {
    const s = await startCenterSim({ deferred: "immediate", realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: 0 });
    try {
      const api = mk(() => s);
      const r = data(S.TaskIdSchema, await api("POST", "/app/cloud/instances", s.accessKeys.admin, { account_name: "aliyun-hk", region: "cn-hongkong", plan: "swas.s.c2m1s40b30t1", image_id: "ubuntu_22_04_x64_20G_alibase", name: "hk-new" }));
      await new Promise((res) => setTimeout(res, 50));
      expect(s.state.taskLog.find((x) => x.task_id === r.task_id)?.ok).toBe(true);
      const inst = s.state.instances.find((i) => i.name === "hk-new")!;
      expect(inst.ip_address).toMatch(/^198\.51\.100\./); // no hook: TEST-NET address
    } finally {
      await s.close();
    }
  });

  it("scheduled mode: tasks wait for the next 02:00 Asia/Shanghai of the simulated clock", async () => {
    const s = await startCenterSim({ realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: 0 });
    try {
      const api = mk(() => s);
      const ls = s.state.instances.find((i) => i.provider === "aws_lightsail")!;
      data(S.TaskIdSchema, await api("DELETE", `/app/cloud/instances/${ls.id}`, s.accessKeys.editor));
      const task = s.pendingTasks()[0];
      expect(task.runAt).toBeGreaterThan(s.now());
      expect(task.runAt - s.now()).toBeLessThanOrEqual(86_400);
      expect(await s.runDueTasks()).toEqual([]);
      s.advanceTime(task.runAt - s.now());
      const done = await s.runDueTasks();
      expect(done.map((d) => [d.kind, d.ok])).toEqual([["delete", true]]);
      expect(s.state.instances.find((i) => i.id === ls.id)!.deletedAt).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it("lifecycle sweep: grace → suspended (+stop) → deprovisioned (+destroy); renewal cancels", async () => {
    const s = await startCenterSim({ realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: 0 });
    try {
      const sub = s.state.subs.find((x) => x.id === 1001)!;
      const opsOf = (a: string) => s.state.ops.filter((o) => o.subId === 1001 && o.action === a);
      s.advanceTime(sub.expiresAt - s.now() + 60);
      expect(s.runLifecycleSweep().changed).toEqual([1001]);
      expect(sub.status).toBe("grace");
      s.advanceTime(7 * 86_400);
      s.runLifecycleSweep();
      expect(sub.status).toBe("suspended");
      expect(opsOf("stop").map((o) => [o.status, o.createdBy, o.params])).toEqual([["queued", "system:lifecycle", '{"reason":"grace ended"}']]);
      expect(opsOf("stop")[0].cloudInstanceId).toBe(sub.cloudInstanceId);
      s.advanceTime(14 * 86_400);
      s.runLifecycleSweep();
      expect(sub).toMatchObject({ status: "deprovisioned", cloudInstanceId: null, boundIpv4: "", slaveNodeId: null });
      expect(opsOf("stop")[0].status).toBe("canceled");
      expect(opsOf("destroy").map((o) => [o.status, o.params])).toEqual([["queued", '{"reason":"suspend ended"}']]);
      expect(opsOf("destroy")[0].cloudInstanceId).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
