// The console-facing /app admin API for the fleet (center-api §1.3 access keys, §2 nodes,
// §3 tunnels, §5 node operations, §6 cloud), authenticated by X-Access-Key and role masks.
import { randomUUID } from "node:crypto";
import { IMAGES, PLANS, groupsFor, staticRegions } from "./seed";
import { BindError, bindJson, fail, hex32, normIpType, ok, optBool, optNum, optStr, parseIntStrict, reqNum, reqStr, required, sha256, typeErr, type Ctx, type RouteFn } from "./common";
import { GiB, type CenterCore } from "./core";
import type { CenterDomain } from "./domain";
import type { CenterCloud } from "./cloud";
import type { CenterViews } from "./views";
import type { SimOp, SimTunnel } from "./types";

const ROLE_V = 16 | 32;
const ROLE_E = 32;

export type AdminRouteDeps = { core: CenterCore; dom: CenterDomain; cloud: CenterCloud; views: CenterViews; selfUrl: () => string };

export function adminRoutes(route: RouteFn, d: AdminRouteDeps): void {
  const { opts, state, hooks, now, touch, audit } = d.core;
  const { nodeByIp, hardDeleteNode, newOp } = d.dom;
  const { accountsAll, accountByName, instanceDto, syncCloud, enqueue } = d.cloud;
  const { paged, totalOnly, adminNodeItem, dataSlaveNode, tunnelDto, opDto } = d.views;
  const { selfUrl } = d;

  // §1.3
  route("GET", "/app/my-permissions", "app", undefined, (c) => ok({ is_admin: c.user!.isAdmin, roles: c.user!.roles, groups: groupsFor(c.user!.isAdmin, c.user!.roles) }));
  route("POST", "/app/users/:uuid/access-key", "admin", undefined, (c) => {
    const u = state.users.find((x) => x.uuid === c.params.uuid);
    if (!u) return fail(404, "user not found");
    const key = "ktu_" + hex32();
    const action = u.accessKeyHash ? "access_key_reset" : "access_key_generate";
    u.accessKeyHash = sha256(key);
    audit(c.user, action, "user", u.uuid);
    touch();
    return ok({ accessKey: key });
  });
  route("DELETE", "/app/users/:uuid/access-key", "admin", undefined, (c) => {
    const u = state.users.find((x) => x.uuid === c.params.uuid);
    if (!u) return fail(404, "user not found");
    if (!u.accessKeyHash) return fail(400, "user has no access key");
    u.accessKeyHash = "";
    audit(c.user, "access_key_revoke", "user", u.uuid);
    touch();
    return ok({});
  });

  // §2 nodes
  route("GET", "/app/nodes", "app", ROLE_V, (c) => {
    const items = [...state.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)).map(adminNodeItem);
    return ok(paged(items, c.query, 500));
  });
  route("PUT", "/app/nodes/:ipv4", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const name = optStr(b, "name"), country = optStr(b, "country"), ipv6 = optStr(b, "ipv6"), ipType = optStr(b, "ipType");
    const vk = optBool(b, "visibleKaitu"), vo = optBool(b, "visibleOverleap");
    const n = nodeByIp(c.params.ipv4);
    if (!n) return fail(404, "node not found");
    if (name !== undefined) n.name = name;
    if (country !== undefined) n.country = country;
    if (ipv6 !== undefined) n.ipv6 = ipv6;
    if (ipType !== undefined) n.ipType = normIpType(ipType);
    if (vk !== undefined) n.visibleKaitu = vk;
    if (vo !== undefined) n.visibleOverleap = vo;
    n.updatedAt = now();
    audit(c.user, "node_update", "node", n.ipv4, b);
    touch();
    return ok(dataSlaveNode(n, 0, n.updatedAt));
  });
  route("DELETE", "/app/nodes/:ipv4", "app", ROLE_E, (c) => {
    const n = nodeByIp(c.params.ipv4);
    if (!n) return fail(404, "node not found");
    hardDeleteNode(n.ipv4);
    audit(c.user, "node_delete", "node", n.ipv4);
    touch();
    return ok({});
  });

  // §3 tunnels
  route("GET", "/app/tunnels", "app", ROLE_V, (c) => {
    let proto = (c.query.get("protocol") ?? "").replace(/[+\s]/g, "");
    if (proto === "k2s") proto = "k2v5";
    const nameOf = (t: SimTunnel) => nodeByIp(t.nodeIpv4)?.name ?? "";
    const items = state.tunnels
      .filter((t) => !t.deleted && (!proto || t.protocol === proto))
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : a.id - b.id))
      .map((t) => tunnelDto(t));
    return ok(paged(items, c.query));
  });
  route("PUT", "/app/tunnels/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid tunnel id");
    const b = bindJson(c);
    const protocol = optStr(b, "protocol"), port = optNum(b, "port"), url = optStr(b, "url");
    const t = state.tunnels.find((x) => x.id === id && !x.deleted);
    if (!t) return fail(404, "tunnel not found");
    if (protocol !== undefined) t.protocol = protocol;
    if (port !== undefined) t.port = port;
    if (url !== undefined) t.serverUrl = url;
    audit(c.user, "tunnel_update", "tunnel", String(id), b);
    touch();
    return ok(tunnelDto(t, true));
  });
  route("DELETE", "/app/tunnels/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid tunnel id");
    state.tunnels = state.tunnels.filter((x) => x.id !== id);
    audit(c.user, "tunnel_delete", "tunnel", String(id));
    touch();
    return ok({});
  });

  // §5 node operations
  route("GET", "/app/node-operations", "app", ROLE_V, (c) => {
    const status = c.query.get("status") || "";
    const action = c.query.get("action") || "";
    const items = state.ops
      .filter((o) => (!status || o.status === status) && (!action || o.action === action))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
      .map(opDto);
    return ok(paged(items, c.query));
  });
  route("POST", "/app/node-operations", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const subId = reqNum(b, "subId");
    const action = reqStr(b, "action");
    if (!["change_ip", "stop", "destroy"].includes(action)) {
      throw new BindError("Key: 'Request.Action' Error:Field validation for 'Action' failed on the 'oneof' tag");
    }
    const params = b.params;
    if (params !== undefined && params !== null && (typeof params !== "object" || Array.isArray(params))) throw typeErr("params", "map[string]interface {}", params);
    const sub = state.subs.find((s) => s.id === subId);
    if (!sub) return fail(404, "subscription not found");
    if (sub.cloudInstanceId === null) return fail(400, "subscription has no cloud instance to operate on");
    if (state.ops.some((o) => o.subId === subId && o.action === action && ["queued", "claimed", "in_progress"].includes(o.status))) {
      return fail(409, "an open operation of this action already exists for the subscription");
    }
    const op = newOp(action as SimOp["action"], sub, `admin:${c.user!.email || c.user!.uuid}`, params ?? {});
    touch();
    return ok(opDto(op));
  });
  route("POST", "/app/node-operations/:id/claim", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid operation id");
    const b = bindJson(c);
    const holder = optStr(b, "holder") || `admin:${c.user!.email || c.user!.uuid}`;
    let lease = optNum(b, "leaseSeconds") ?? 0;
    if (lease <= 0) lease = 600;
    const op = state.ops.find((o) => o.id === id);
    if (!op || op.status !== "queued") return fail(409, "operation not claimable (already claimed or not found)");
    const t = now();
    op.status = "claimed";
    op.holder = holder;
    op.leasedAt = t;
    op.leaseDeadline = t + Math.floor(lease);
    op.updatedAt = t;
    touch();
    const data: Record<string, unknown> = { operation: opDto(op) };
    if (op.action === "provision") {
      const sub = state.subs.find((s) => s.id === op.subId);
      if (!sub) return fail(500, "failed to load subscription");
      data.identity = { claimToken: sub.provisionClaimToken, centerUrl: opts.centerUrlForNodes ?? selfUrl(), domain: "" };
    }
    return ok(data);
  });
  route("POST", "/app/node-operations/:id/update", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid operation id");
    const b = bindJson(c);
    const status = reqStr(b, "status");
    if (!["in_progress", "done", "failed", "canceled"].includes(status)) {
      throw new BindError("Key: 'Request.Status' Error:Field validation for 'Status' failed on the 'oneof' tag");
    }
    const result = b.result;
    if (result !== undefined && result !== null && (typeof result !== "object" || Array.isArray(result))) throw typeErr("result", "map[string]interface {}", result);
    const error = optStr(b, "error") ?? "";
    const op = state.ops.find((o) => o.id === id);
    if (!op) return fail(404, "operation not found");
    if (op.action === "provision" && status === "done") return fail(400, "provision completion is set by node self-registration, not by update");
    const t = now();
    op.status = status as SimOp["status"];
    op.lastError = error;
    if (result !== undefined && result !== null) op.result = JSON.stringify(result);
    if (status === "done" || status === "failed" || status === "canceled") op.completedAt = t;
    op.updatedAt = t;
    touch();
    return ok({});
  });

  // §6 cloud
  route("GET", "/app/cloud/accounts", "app", ROLE_V, () => ok(totalOnly(accountsAll().map((a) => ({ name: a.name, provider: a.provider, region: a.region })))));
  route("GET", "/app/cloud/regions", "app", ROLE_V, (c) => {
    const account = c.query.get("account") || "";
    const provider = c.query.get("provider") || "";
    if (account) {
      const a = accountByName(account);
      if (!a) return fail(404, "account not found");
      const list = staticRegions(a.provider).filter((r) => !a.region || r.providerId === a.region);
      return ok(totalOnly(list));
    }
    if (!provider) return ok(totalOnly(staticRegions()));
    return ok(totalOnly(staticRegions(provider)));
  });
  const planOrImage = (kind: "plans" | "images") => (c: Ctx) => {
    const account = c.query.get("account") || "";
    if (!account) return fail(422, "account is required");
    const a = accountByName(account);
    if (!a) return fail(404, "account not found");
    if (a.provider === "bandwagon") return fail(405, `${kind} listing not supported by provider bandwagon`);
    if (kind === "plans") return ok(totalOnly((PLANS[a.provider] ?? []).map(({ transferGb: _t, ...p }) => p)));
    return ok(totalOnly(IMAGES[a.provider] ?? []));
  };
  route("GET", "/app/cloud/plans", "app", ROLE_V, planOrImage("plans"));
  route("GET", "/app/cloud/images", "app", ROLE_V, planOrImage("images"));
  route("GET", "/app/cloud/instances", "app", ROLE_V, (c) => {
    const provider = c.query.get("provider") || "";
    const account = c.query.get("account") || "";
    const items = state.instances
      .filter((i) => !i.deletedAt && (!provider || i.provider === provider) && (!account || i.account_name === account))
      .sort((a, b) => b.id - a.id)
      .map(instanceDto);
    return ok(paged(items, c.query));
  });
  route("GET", "/app/cloud/instances/:id", "app", ROLE_V, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    return ok(instanceDto(i));
  });
  route("POST", "/app/cloud/instances/sync", "app", ROLE_E, (c) => {
    audit(c.user, "cloud_sync_instances", "cloud", "all");
    setImmediate(() => syncCloud());
    return ok({ task_id: randomUUID() });
  });
  route("POST", "/app/cloud/instances", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const body = { account_name: reqStr(b, "account_name"), region: reqStr(b, "region"), plan: reqStr(b, "plan"), image_id: reqStr(b, "image_id"), name: reqStr(b, "name") };
    if (body.account_name === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance creation");
    const a = accountByName(body.account_name);
    if (!a) return fail(404, "account not found");
    if (a.provider === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance creation");
    audit(c.user, "cloud_create_instance", "cloud_instance", `${body.account_name}/${body.name}`, body);
    return ok({ task_id: enqueue("create", body) });
  });
  route("DELETE", "/app/cloud/instances/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    if (i.provider === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance deletion");
    audit(c.user, "cloud_delete_instance", "cloud_instance", String(id));
    return ok({ task_id: enqueue("delete", {}, id) });
  });
  route("POST", "/app/cloud/instances/:id/change-ip", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    let body: Record<string, unknown> = {};
    if (c.body.trim() !== "") body = bindJson(c);
    const target = optStr(body, "target_region");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    audit(c.user, "cloud_change_ip", "cloud_instance", String(id), body);
    return ok({ task_id: enqueue("change_ip", target ? { target_region: target } : {}, id) });
  });
  route("PUT", "/app/cloud/instances/:id/traffic-config", "app", ROLE_E, async (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const b = bindJson(c);
    const gb = optNum(b, "traffic_total_gb");
    if (!gb) throw required("traffic_total_gb");
    if (gb < 0) throw new BindError("Key: 'Request.TrafficTotalGb' Error:Field validation for 'TrafficTotalGb' failed on the 'min' tag");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    if (i.provider !== "ssh_standalone") return fail(405, "traffic config is only supported for ssh_standalone instances");
    const bytes = Math.round(gb * GiB);
    if (hooks.onTrafficConfig) {
      try {
        await hooks.onTrafficConfig(i.ip_address, bytes);
      } catch (e) {
        return fail(500, `failed to write traffic config: ${e instanceof Error ? e.message : "ssh error"}`);
      }
    }
    state.standaloneTotals[i.ip_address] = bytes;
    i.trafficTotalBytes = bytes;
    audit(c.user, "cloud_update_traffic_config", "cloud_instance", String(id), b);
    touch();
    return ok({ traffic_total_gb: gb, message: "traffic config updated" });
  });
}
