import { createHash, randomUUID } from "node:crypto";
import { AwsError, azOf, invalidInput, notFound, regionOf } from "./common";
import type { LsInstanceSpec } from "./index";

// The Lightsail simulator's static IPs (AllocateStaticIp, AttachStaticIp, DetachStaticIp,
// ReleaseStaticIp, GetStaticIp, GetStaticIps), region-scoped like instances. An instance's public
// address is a static IP attached to it (isStaticIp) or a dynamic one: the inventory's instances
// (the demo fleet) have a static IP `StaticIp-<name>` attached, an instance made by CreateInstances
// a dynamic one. Attach moves the machine to the static IP's address (the dynamic one is gone);
// Detach gives it a new dynamic address (the machine moves again); the static IP keeps its
// address until released. An instance whose address changed behind our back (Center's deferred
// change-ip task: detach + release, allocate `<name>-ip-<unix>` + attach) is seen so on the next
// request. Every change taken is recorded; failStaticIp makes the next calls of an operation fail.
// Facts: the API reference (StaticIp, AttachStaticIp, DetachStaticIp, GetStaticIps) and the AWS
// CLI's examples (two operations, StaticIp then Instance, "Succeeded" at once; zone "all").

export const STATIC_IP_OPS = ["AllocateStaticIp", "AttachStaticIp", "DetachStaticIp", "ReleaseStaticIp", "GetStaticIp", "GetStaticIps"] as const;
export type StaticIpOp = (typeof STATIC_IP_OPS)[number];
/** A static-IP change taken (reads are not recorded). */
export type StaticIpCall = { op: Exclude<StaticIpOp, "GetStaticIp" | "GetStaticIps">; name: string; instanceName?: string; ipAddress?: string; at: number };

type Rec = { name: string; region: string; ipAddress: string; attachedTo: string | null; createdAt: number };

const NAME = /^\w[\w-]*\w$/;
const PAGE = 25;
/** where a static IP allocated without a region lands (the simulator's ignoreRegion mode) */
const NO_REGION = "us-east-1";

export function staticIps(d: {
  /** the instances as the provider lists them (every region), addresses as they are now */
  instances: () => LsInstanceSpec[];
  /** made by CreateInstances here (a dynamic address), not the inventory's */
  createdHere: (name: string, region: string) => boolean;
  /** a free public address for the account */
  reserve: () => Promise<string>;
  /** the instance's machine now has this public address */
  move: (i: LsInstanceSpec, ipv4: string) => Promise<void>;
  accountId: () => string;
  now: () => number;
  log: (line: string) => void;
}) {
  const recs = new Map<string, Rec>();
  // each instance's address as last seen or set here (another change is someone else's)
  const seen = new Map<string, string>();
  // instances being moved here: their addresses are in flux
  const busy = new Set<string>();
  const calls: StaticIpCall[] = [];
  const failures = new Map<StaticIpOp, { times: number; type: string; message: string }>();
  const key = (region: string, name: string) => `${region}/${name}`;
  const attachedOf = (region: string, instance: string) => [...recs.values()].find((r) => r.region === region && r.attachedTo === instance);

  function add(r: Omit<Rec, "name"> & { name: string }): Rec {
    let name = r.name;
    for (let n = 2; recs.has(key(r.region, name)); n++) name = `${r.name}-${n}`;
    const rec = { ...r, name };
    recs.set(key(r.region, name), rec);
    return rec;
  }

  /** The static IPs as the instances now are (called before every request). */
  function sync(): void {
    const live = new Set<string>();
    for (const i of d.instances()) {
      const region = regionOf(i.region);
      const k = key(region, i.name);
      live.add(k);
      if (!i.ipv4 || busy.has(k)) continue;
      const was = seen.get(k);
      seen.set(k, i.ipv4);
      if (was === undefined) {
        if (!d.createdHere(i.name, region) && !attachedOf(region, i.name)) add({ name: `StaticIp-${i.name}`, region, ipAddress: i.ipv4, attachedTo: i.name, createdAt: i.createdAt });
      } else if (was !== i.ipv4) {
        // what Center's ChangeIP does at Lightsail: the old static IP detached and released, a new one attached
        const old = attachedOf(region, i.name);
        if (old) recs.delete(key(old.region, old.name));
        const t = d.now();
        add({ name: `${i.name}-ip-${t}`, region, ipAddress: i.ipv4, attachedTo: i.name, createdAt: t });
        d.log(`lightsail ${i.name} moved ${was} -> ${i.ipv4} elsewhere: static IP follows`);
      }
    }
    // a deleted instance's static IP stays allocated, detached
    for (const r of recs.values()) if (r.attachedTo && !live.has(key(r.region, r.attachedTo))) r.attachedTo = null;
    for (const k of seen.keys()) if (!live.has(k)) seen.delete(k);
  }

  function dto(r: Rec) {
    const id = createHash("sha256").update(`StaticIp/${r.region}/${r.name}/${r.createdAt}`).digest("hex");
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
    return {
      name: r.name,
      arn: `arn:aws:lightsail:${r.region}:${d.accountId()}:StaticIp/${uuid}`,
      supportCode: `${d.accountId()}/${r.ipAddress}`,
      createdAt: r.createdAt,
      location: { availabilityZone: "all", regionName: r.region },
      resourceType: "StaticIp",
      ipAddress: r.ipAddress,
      // absent, not null, on an unattached one
      ...(r.attachedTo ? { attachedTo: r.attachedTo } : {}),
      isAttached: !!r.attachedTo,
    };
  }

  const operation = (resourceName: string, resourceType: "StaticIp" | "Instance", location: { availabilityZone: string; regionName: string }, operationType: StaticIpOp, operationDetails = "") => ({
    id: randomUUID(),
    resourceName,
    resourceType,
    createdAt: d.now(),
    location,
    isTerminal: true,
    operationDetails,
    operationType,
    status: "Succeeded",
    statusChangedAt: d.now(),
  });
  const ipLocation = (r: Rec) => ({ availabilityZone: "all", regionName: r.region });
  const instanceLocation = (i: LsInstanceSpec) => ({ availabilityZone: azOf(i.region), regionName: regionOf(i.region) });

  function nameOf(v: unknown, field: string): string {
    if (typeof v !== "string" || !v) throw invalidInput(`${field} is required`);
    if (!NAME.test(v)) throw invalidInput(`${field} must match \\w[\\w\\-]*\\w: ${v}`);
    return v;
  }
  function findRec(name: unknown, region: string | null, api: string): Rec {
    const n = nameOf(name, "staticIpName");
    const r = [...recs.values()].find((x) => x.name === n && (region === null || x.region === region));
    if (!r) throw notFound("StaticIp", n, api);
    return r;
  }
  function findInstance(name: unknown, region: string): LsInstanceSpec {
    const n = nameOf(name, "instanceName");
    const i = d.instances().find((x) => x.name === n && regionOf(x.region) === region);
    if (!i) throw notFound("Instance", n, "AttachStaticIp");
    return i;
  }
  /** the one-shot failure knob, after validation (nothing happened) */
  function maybeFail(op: StaticIpOp): void {
    const f = failures.get(op);
    if (!f) return;
    if (--f.times <= 0) failures.delete(op);
    throw new AwsError(f.type, f.message, f.type === "ServiceException" ? 500 : 400, { code: f.type.replace(/Exception$/, "") });
  }
  async function moving<T>(i: LsInstanceSpec, fn: () => Promise<T>): Promise<T> {
    const k = key(regionOf(i.region), i.name);
    busy.add(k);
    try {
      return await fn();
    } finally {
      busy.delete(k);
    }
  }

  type Op = (body: Record<string, unknown>, region: string | null) => unknown;
  const ops: Record<StaticIpOp, Op> = {
    AllocateStaticIp: async (body, region) => {
      const name = nameOf(body.staticIpName, "staticIpName");
      const r = region ?? NO_REGION;
      if (recs.has(key(r, name))) throw invalidInput(`Some names are already in use: ${name}`);
      maybeFail("AllocateStaticIp");
      const ip = await d.reserve();
      // a second allocation of the name may have raced this one
      if (recs.has(key(r, name))) throw invalidInput(`Some names are already in use: ${name}`);
      const rec = add({ name, region: r, ipAddress: ip, attachedTo: null, createdAt: d.now() });
      calls.push({ op: "AllocateStaticIp", name, ipAddress: ip, at: d.now() });
      d.log(`lightsail static IP ${name} allocated: ${ip}`);
      return { operations: [operation(name, "StaticIp", ipLocation(rec), "AllocateStaticIp")] };
    },
    AttachStaticIp: async (body, region) => {
      const rec = findRec(body.staticIpName, region, "AttachStaticIp");
      const inst = findInstance(body.instanceName, rec.region);
      if (rec.attachedTo) throw invalidInput(`The static IP ${rec.name} is already attached to ${rec.attachedTo}`);
      if (inst.state === "pending" || inst.state === "stopping" || inst.state === "stopped") throw invalidInput(`The instance ${inst.name} is ${inst.state}: a static IP can be attached to a running instance only`);
      const other = attachedOf(rec.region, inst.name);
      if (other) throw invalidInput(`The instance ${inst.name} already has the static IP ${other.name} attached`);
      maybeFail("AttachStaticIp");
      // the machine answers at the static IP's address from now on; its dynamic address is gone
      await moving(inst, async () => {
        await d.move(inst, rec.ipAddress);
        seen.set(key(rec.region, inst.name), rec.ipAddress);
      });
      rec.attachedTo = inst.name;
      calls.push({ op: "AttachStaticIp", name: rec.name, instanceName: inst.name, ipAddress: rec.ipAddress, at: d.now() });
      d.log(`lightsail static IP ${rec.name} (${rec.ipAddress}) attached to ${inst.name} (was ${inst.ipv4})`);
      return { operations: [operation(rec.name, "StaticIp", ipLocation(rec), "AttachStaticIp", inst.name), operation(inst.name, "Instance", instanceLocation(inst), "AttachStaticIp", rec.name)] };
    },
    DetachStaticIp: async (body, region) => {
      const rec = findRec(body.staticIpName, region, "DetachStaticIp");
      if (!rec.attachedTo) throw invalidInput(`The static IP ${rec.name} is not attached to an instance`);
      const inst = d.instances().find((x) => x.name === rec.attachedTo && regionOf(x.region) === rec.region);
      maybeFail("DetachStaticIp");
      const at = rec.attachedTo;
      let now = "";
      if (inst) {
        // the instance gets a new dynamic public address: its machine moves there
        await moving(inst, async () => {
          now = await d.reserve();
          await d.move(inst, now);
          seen.set(key(rec.region, inst.name), now);
        });
      }
      rec.attachedTo = null;
      calls.push({ op: "DetachStaticIp", name: rec.name, instanceName: at, ipAddress: rec.ipAddress, at: d.now() });
      d.log(`lightsail static IP ${rec.name} (${rec.ipAddress}) detached from ${at}${now ? `, now at ${now}` : ""}`);
      const ops = [operation(rec.name, "StaticIp", ipLocation(rec), "DetachStaticIp", at)];
      if (inst) ops.push(operation(inst.name, "Instance", instanceLocation(inst), "DetachStaticIp", rec.name));
      return { operations: ops };
    },
    ReleaseStaticIp: (body, region) => {
      const rec = findRec(body.staticIpName, region, "ReleaseStaticIp");
      if (rec.attachedTo) throw invalidInput(`The static IP ${rec.name} is attached to ${rec.attachedTo}: detach it first`);
      maybeFail("ReleaseStaticIp");
      recs.delete(key(rec.region, rec.name));
      calls.push({ op: "ReleaseStaticIp", name: rec.name, ipAddress: rec.ipAddress, at: d.now() });
      d.log(`lightsail static IP ${rec.name} (${rec.ipAddress}) released`);
      return { operations: [operation(rec.name, "StaticIp", ipLocation(rec), "ReleaseStaticIp")] };
    },
    GetStaticIp: (body, region) => {
      const rec = findRec(body.staticIpName, region, "GetStaticIp");
      maybeFail("GetStaticIp");
      return { staticIp: dto(rec) };
    },
    GetStaticIps: (body, region) => {
      maybeFail("GetStaticIps");
      const all = [...recs.values()].filter((r) => region === null || r.region === region).sort((a, b) => a.name.localeCompare(b.name));
      const start = typeof body.pageToken === "string" && body.pageToken ? Number(Buffer.from(body.pageToken, "base64").toString()) || 0 : 0;
      const out: Record<string, unknown> = { staticIps: all.slice(start, start + PAGE).map(dto) };
      if (start + PAGE < all.length) out.nextPageToken = Buffer.from(String(start + PAGE)).toString("base64");
      return out;
    },
  };

  return {
    sync,
    ops,
    calls,
    /** Is a static IP attached to the instance (GetInstance's isStaticIp)? */
    isStatic: (i: LsInstanceSpec) => !!attachedOf(regionOf(i.region), i.name),
    /** Every address a static IP holds (attached or not): none may be handed out again. */
    addresses: () => new Set([...recs.values()].map((r) => r.ipAddress)),
    /** The static IPs now (tests). */
    list: () => [...recs.values()].map((r) => ({ ...r })),
    fail(op: StaticIpOp, times: number, type: string, message: string) {
      if (times > 0) failures.set(op, { times, type, message });
      else failures.delete(op);
    },
  };
}
