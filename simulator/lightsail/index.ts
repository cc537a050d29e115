import http from "node:http";
import { createHash, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DEFAULT_FLEET } from "../center/seed";
import { AwsError, azOf, invalidInput, notFound, regionOf } from "./common";
import { STATIC_IP_OPS, staticIps, type StaticIpOp } from "./static-ip";
import { trafficBytes } from "./traffic";

export { setTrafficProfile, trafficBytes, trafficProfile } from "./traffic";
export type { StaticIpCall, StaticIpOp } from "./static-ip";

// AWS Lightsail simulator speaking the AWS JSON 1.1 protocol
// (POST, X-Amz-Target: Lightsail_20161128.<Op>, Content-Type:
// application/x-amz-json-1.1), enough for the official @aws-sdk/client-lightsail:
// GetInstances, GetInstance, RebootInstance, CreateInstances, StopInstance, DeleteInstance,
// GetInstanceMetricData (NetworkIn/NetworkOut from the node simulator's host NIC when Center links
// the instance to a simulated node), and the static IPs (static-ip.ts: Allocate/Attach/Detach/
// ReleaseStaticIp, GetStaticIp(s); an attach or detach moves the machine to its new address).
// A created instance is "pending" (no address yet) while its machine comes up
// (with `center`: a fresh simulated node, sshd on 22), then for `pendingSeconds`, then "running".
// Instances are scoped by the region in the request's SigV4 credential scope,
// as in AWS (one endpoint per region).

export type LsInstanceSpec = {
  name: string;
  ipv4: string;
  ipv6?: string;
  /** region name (ap-northeast-1) or availability zone (ap-northeast-1a) */
  region: string;
  bundleId: string;
  blueprintId: string;
  /** unix seconds */
  createdAt: number;
  state?: string;
};

export type LightsailSimOptions = {
  port?: number;
  host?: string;
  /** live inventory; default: the Center simulator's (if `center` given) or the default fleet's Lightsail nodes */
  inventory?: () => LsInstanceSpec[];
  /** a Center simulator to mirror (inventory + reboot hook) */
  center?: {
    lightsailInventory(): LsInstanceSpec[];
    rebootInstance(ipv4: string): Promise<void>;
    providerTrafficOf?(ipv4: string, fromSec: number, toSec: number): { inBytes: number; outBytes: number } | null;
    createLightsailInstance?(req: { name: string; availabilityZone: string; bundleId: string; blueprintId: string }): Promise<{ ipv4: string; ipv6?: string }>;
    providerInstanceAction?(name: string, action: "stop" | "delete"): Promise<boolean>;
    /** a public address for the account (a static IP, a dynamic IP after a detach) */
    reserveLightsailAddress?(): Promise<string>;
    /** the instance's machine moves to this address; false: Center has no such instance */
    moveLightsailInstance?(name: string, newIp: string, region?: string): Promise<boolean>;
  };
  /** seconds a created instance stays "pending" once its machine is up (default 3) */
  pendingSeconds?: number;
  /** ms an instance reports "stopping" after StopInstance when no Center machine is linked (default 500) */
  stopMs?: number;
  /** called (not awaited by the HTTP answer) on RebootInstance */
  onRebootInstance?: (ipv4: string, name: string) => Promise<void>;
  /** seconds an instance reports state "rebooting" after RebootInstance (default 5) */
  rebootSeconds?: number;
  /** if set, requests signed with another access key id fail with UnrecognizedClientException */
  accessKeyId?: string;
  /** answer regardless of the signing region (default false) */
  ignoreRegion?: boolean;
  /** clock, unix seconds (default Date.now) */
  now?: () => number;
  log?: (line: string) => void;
};

const BUNDLES: Record<string, { cpu: number; ramGb: number; diskGb: number; transferGb: number; price: number }> = {
  nano_3_2: { cpu: 2, ramGb: 0.5, diskGb: 20, transferGb: 1024, price: 5 },
  micro_3_2: { cpu: 2, ramGb: 1, diskGb: 40, transferGb: 1024, price: 7 },
  small_3_2: { cpu: 2, ramGb: 2, diskGb: 60, transferGb: 1536, price: 12 },
  medium_3_2: { cpu: 2, ramGb: 4, diskGb: 80, transferGb: 2048, price: 24 },
};

const BLUEPRINTS: Record<string, string> = {
  ubuntu_24_04: "Ubuntu",
  ubuntu_22_04: "Ubuntu",
  ubuntu_20_04: "Ubuntu",
  debian_12: "Debian",
};

function defaultInventory(): LsInstanceSpec[] {
  const REG: Record<string, string> = { JP: "ap-northeast-1", SG: "ap-southeast-1", US: "us-east-1", AU: "ap-southeast-2" };
  const t = Math.floor(Date.now() / 1000);
  return DEFAULT_FLEET.filter((f) => f.provider === "aws_lightsail").map((f, i) => ({
    name: f.name,
    ipv4: f.ipv4,
    region: f.account === "aws-tokyo" ? "ap-northeast-1" : (REG[f.country] ?? "us-east-1"),
    bundleId: f.plan ?? "micro_3_2",
    blueprintId: "ubuntu_22_04",
    createdAt: t - (40 + i * 7) * 86_400,
  }));
}

export async function startLightsailSim(opts: LightsailSimOptions = {}) {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const fixed = opts.inventory || opts.center ? null : defaultInventory();
  const inventory = () => (opts.inventory ? opts.inventory() : opts.center ? opts.center.lightsailInventory() : fixed!);
  // Center's inventory follows a move itself (moveLightsailInstance); any other keeps its addresses, moves are ours to show
  const centerInventory = !opts.inventory && !!opts.center;
  const movedTo = new Map<string, string>();
  const instKey = (i: LsInstanceSpec) => `${regionOf(i.region)}/${i.name}`;
  const rebootUntil = new Map<string, number>();
  const reboots: { name: string; ipv4: string; at: number; error?: string }[] = [];
  const rebootSeconds = opts.rebootSeconds ?? 5;
  let accountId = "123456789012";
  let pendingSeconds = opts.pendingSeconds ?? 3;
  // instances created here: pending until their machine is up (ipv4 set) and `readyAt` has passed
  type Created = { spec: LsInstanceSpec; readyAt: number; error?: string };
  const created = new Map<string, Created>();
  const creates: { name: string; availabilityZone: string; bundleId: string; blueprintId: string; at: number }[] = [];
  const stops: { name: string; at: number }[] = [];
  const deletes: { name: string; at: number }[] = [];
  // deleted here (no linked Center to forget them)
  const deleted = new Set<string>();
  const stopping = new Set<string>();
  const stopped = new Set<string>();
  const operationOf = (i: LsInstanceSpec, operationType: string) => ({
    id: randomUUID(),
    resourceName: i.name,
    resourceType: "Instance",
    createdAt: now(),
    location: { availabilityZone: azOf(i.region), regionName: regionOf(i.region) },
    isTerminal: false,
    operationDetails: "",
    operationType,
    status: "Started",
    statusChangedAt: now(),
  });
  let createFailures: { times: number; type: string; message: string } | null = null;
  // what the provider lists: the inventory plus creations still pending (a linked Center lists them once up)
  const listed = (): LsInstanceSpec[] => {
    const inv = inventory().filter((i) => !deleted.has(i.name));
    const names = new Set(inv.map((i) => i.name));
    const out = inv.map((i) => {
      const c = created.get(i.name);
      return c && now() < c.readyAt ? { ...i, state: "pending" } : i;
    });
    for (const c of created.values()) {
      if (names.has(c.spec.name)) continue;
      // a linked Center lists the instance once its machine is up; before that (or without Center) it is ours to list
      if (opts.center && c.spec.ipv4) continue;
      out.push(c.error || (c.spec.ipv4 && now() >= c.readyAt) ? c.spec : { ...c.spec, state: "pending" });
    }
    // a stop in progress, or done, whatever the inventory says
    return out.map((i) => {
      const at = centerInventory ? undefined : movedTo.get(instKey(i));
      const j = at !== undefined && i.ipv4 ? { ...i, ipv4: at } : i;
      return stopping.has(i.name) ? { ...j, state: "stopping" } : stopped.has(i.name) ? { ...j, state: "stopped" } : j;
    });
  };
  // addresses in 203.0.113.x (TEST-NET-3) when no Center hands them out: none twice
  const handedOut = new Set<string>();
  let testNet = 1; // the host number handed out last
  const testNetAddress = (): string => {
    const taken = new Set([...handedOut, ...listed().map((i) => i.ipv4), ...statics.addresses()]);
    for (let n = 0; n < 253; n++) {
      testNet = testNet >= 254 ? 2 : testNet + 1;
      const ip = `203.0.113.${testNet}`;
      if (!taken.has(ip)) {
        handedOut.add(ip);
        return ip;
      }
    }
    throw new AwsError("ServiceException", "no free address", 500, { code: "ServiceException" });
  };
  const statics = staticIps({
    instances: listed,
    createdHere: (name, region) => {
      const c = created.get(name);
      return !!c && regionOf(c.spec.region) === region;
    },
    reserve: () => (opts.center?.reserveLightsailAddress ? opts.center.reserveLightsailAddress() : Promise.resolve(testNetAddress())),
    move: async (i, ip) => {
      if (opts.center?.moveLightsailInstance) {
        const known = await opts.center.moveLightsailInstance(i.name, ip, regionOf(i.region));
        if (!known && centerInventory) throw new Error(`Center has no Lightsail instance ${i.name}`);
      }
      if (!centerInventory) movedTo.set(instKey(i), ip);
    },
    accountId: () => accountId,
    now,
    log,
  });

  function instanceDto(i: LsInstanceSpec) {
    const b = BUNDLES[i.bundleId] ?? BUNDLES.micro_3_2;
    const region = regionOf(i.region);
    const id = createHash("sha256").update(i.name + region).digest("hex");
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
    const rebooting = (rebootUntil.get(i.name) ?? 0) > now();
    const st = rebooting
      ? { code: 16, name: "rebooting" }
      : i.state === "stopped"
        ? { code: 80, name: "stopped" }
        : i.state === "stopping"
          ? { code: 64, name: "stopping" }
          : i.state === "pending"
            ? { code: 0, name: "pending" }
            : { code: 16, name: "running" };
    return {
      name: i.name,
      arn: `arn:aws:lightsail:${region}:${accountId}:Instance/${uuid}`,
      supportCode: `${accountId}/${i.name}`,
      createdAt: i.createdAt,
      location: { availabilityZone: azOf(i.region), regionName: region },
      resourceType: "Instance",
      tags: [],
      blueprintId: i.blueprintId,
      blueprintName: BLUEPRINTS[i.blueprintId] ?? "Ubuntu",
      bundleId: i.bundleId,
      addOns: [],
      isStaticIp: statics.isStatic(i),
      privateIpAddress: `172.26.${parseInt(id.slice(0, 2), 16) % 32}.${parseInt(id.slice(2, 4), 16) % 250 + 2}`,
      publicIpAddress: i.ipv4 || undefined,
      ipv6Addresses: i.ipv6 ? [i.ipv6] : [],
      ipAddressType: i.ipv6 ? "dualstack" : "ipv4",
      hardware: {
        cpuCount: b.cpu,
        disks: [{ createdAt: i.createdAt, sizeInGb: b.diskGb, isSystemDisk: true, iops: 100, path: "/dev/xvda", attachedTo: i.name, attachmentState: "attached" }],
        ramSizeInGb: b.ramGb,
      },
      networking: {
        monthlyTransfer: { gbPerMonthAllocated: b.transferGb },
        ports: [
          { fromPort: 22, toPort: 22, protocol: "tcp", accessFrom: "Anywhere (0.0.0.0/0 and ::/0)", accessType: "public", commonName: "", accessDirection: "inbound", cidrs: ["0.0.0.0/0"], ipv6Cidrs: ["::/0"], cidrListAliases: [] },
          { fromPort: 443, toPort: 443, protocol: "all", accessFrom: "Anywhere (0.0.0.0/0 and ::/0)", accessType: "public", commonName: "", accessDirection: "inbound", cidrs: ["0.0.0.0/0"], ipv6Cidrs: ["::/0"], cidrListAliases: [] },
          { fromPort: 1022, toPort: 1022, protocol: "tcp", accessFrom: "Anywhere (0.0.0.0/0 and ::/0)", accessType: "public", commonName: "", accessDirection: "inbound", cidrs: ["0.0.0.0/0"], ipv6Cidrs: ["::/0"], cidrListAliases: [] },
        ],
      },
      state: st,
      username: "ubuntu",
      sshKeyName: "LightsailDefaultKeyPair",
      metadataOptions: { state: "applied", httpTokens: "optional", httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpProtocolIpv6: "disabled" },
    };
  }

  function findInstance(name: unknown, region: string | null): LsInstanceSpec {
    if (typeof name !== "string" || !name) throw invalidInput("instanceName is required");
    const i = listed().find((x) => x.name === name && (region === null || regionOf(x.region) === region));
    if (!i) throw notFound("Instance", name, "GetInstance");
    return i;
  }

  const PAGE = 25;
  type Op = (body: Record<string, unknown>, region: string | null) => unknown; // or a promise of it
  const ops: Record<string, Op> = {
    GetInstances: (body, region) => {
      const all = listed().filter((x) => region === null || regionOf(x.region) === region).sort((a, b) => a.name.localeCompare(b.name));
      const start = typeof body.pageToken === "string" && body.pageToken ? Number(Buffer.from(body.pageToken, "base64").toString()) || 0 : 0;
      const slice = all.slice(start, start + PAGE);
      const out: Record<string, unknown> = { instances: slice.map(instanceDto) };
      if (start + PAGE < all.length) out.nextPageToken = Buffer.from(String(start + PAGE)).toString("base64");
      return out;
    },
    GetInstance: (body, region) => ({ instance: instanceDto(findInstance(body.instanceName, region)) }),
    RebootInstance: (body, region) => {
      const i = findInstance(body.instanceName, region);
      const t = now();
      rebootUntil.set(i.name, t + rebootSeconds);
      const rec: { name: string; ipv4: string; at: number; error?: string } = { name: i.name, ipv4: i.ipv4, at: t };
      reboots.push(rec);
      log(`lightsail reboot ${i.name} (${i.ipv4})`);
      const hook = opts.onRebootInstance ? () => opts.onRebootInstance!(i.ipv4, i.name) : opts.center ? () => opts.center!.rebootInstance(i.ipv4) : null;
      if (hook) {
        setImmediate(() => {
          hook().catch((e: unknown) => {
            rec.error = e instanceof Error ? e.message : String(e);
          });
        });
      }
      return {
        operations: [
          {
            id: randomUUID(),
            resourceName: i.name,
            resourceType: "Instance",
            createdAt: t,
            location: { availabilityZone: azOf(i.region), regionName: regionOf(i.region) },
            isTerminal: false,
            operationDetails: "",
            operationType: "RebootInstance",
            status: "Started",
            statusChangedAt: t,
          },
        ],
      };
    },
    CreateInstances: (body, region) => {
      const invalid = (m: string) => new AwsError("InvalidInputException", m, 400, { code: "InvalidInput" });
      const names = body.instanceNames;
      const az = body.availabilityZone;
      const bundleId = body.bundleId;
      const blueprintId = body.blueprintId;
      if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/.test(n))) throw invalid("instanceNames must be a list of valid names");
      if (typeof az !== "string" || !/^[a-z]{2}-[a-z]+-\d[a-z]$/.test(az)) throw invalid(`The Availability Zone is not valid: ${String(az)}`);
      if (region !== null && regionOf(az) !== region) throw invalid(`The Availability Zone ${az} is not in region ${region}`);
      if (typeof bundleId !== "string" || !BUNDLES[bundleId]) throw invalid(`The bundle does not exist: ${String(bundleId)}`);
      if (typeof blueprintId !== "string" || !BLUEPRINTS[blueprintId]) throw invalid(`The blueprint does not exist: ${String(blueprintId)}`);
      const taken = (names as string[]).filter((n) => listed().some((x) => x.name === n && regionOf(x.region) === regionOf(az)));
      if (taken.length) throw invalid(`Some names are already in use: ${taken.join(", ")}`);
      if (createFailures && createFailures.times > 0) {
        createFailures.times--;
        const f = createFailures;
        if (f.times === 0) createFailures = null;
        throw new AwsError(f.type, f.message, f.type === "ServiceException" ? 500 : 400, { code: f.type });
      }
      const t = now();
      const operations = (names as string[]).map((name) => {
        const spec: LsInstanceSpec = { name, ipv4: "", region: az, bundleId, blueprintId, createdAt: t, state: "pending" };
        const c: Created = { spec, readyAt: Number.POSITIVE_INFINITY };
        created.set(name, c);
        deleted.delete(name);
        stopped.delete(name);
        creates.push({ name, availabilityZone: az, bundleId, blueprintId, at: t });
        log(`lightsail create ${name} in ${az} (${bundleId}, ${blueprintId})`);
        // a dynamic public address: the new machine's (with a Center), else one of TEST-NET-3
        const up: Promise<{ ipv4: string; ipv6?: string }> = opts.center?.createLightsailInstance ? opts.center.createLightsailInstance({ name, availabilityZone: az, bundleId, blueprintId }) : Promise.resolve({ ipv4: testNetAddress() });
        up.then(
          (got) => {
            spec.ipv4 = got.ipv4;
            if (got.ipv6) spec.ipv6 = got.ipv6;
            spec.state = "running";
            c.readyAt = now() + pendingSeconds;
          },
          (e: unknown) => {
            // the machine never came up: AWS shows it stopped
            c.error = e instanceof Error ? e.message : String(e);
            spec.state = "stopped";
            c.readyAt = now();
            log(`lightsail create ${name} failed: ${c.error}`);
          },
        );
        return {
          id: randomUUID(),
          resourceName: name,
          resourceType: "Instance",
          createdAt: t,
          location: { availabilityZone: az, regionName: regionOf(az) },
          isTerminal: false,
          operationDetails: blueprintId,
          operationType: "CreateInstance",
          status: "Started",
          statusChangedAt: t,
        };
      });
      return { operations };
    },
    StopInstance: (body, region) => {
      const i = findInstance(body.instanceName, region);
      // "stopping" while the machine goes down, then "stopped" (a linked Center's inventory says so from then on)
      stopping.add(i.name);
      const done = () => {
        stopping.delete(i.name);
        stopped.add(i.name);
      };
      if (opts.center?.providerInstanceAction) void opts.center.providerInstanceAction(i.name, "stop").then(done, done);
      else setTimeout(done, opts.stopMs ?? 500);
      stops.push({ name: i.name, at: now() });
      log(`lightsail stop ${i.name}`);
      return { operations: [operationOf(i, "StopInstance")] };
    },
    DeleteInstance: (body, region) => {
      const i = findInstance(body.instanceName, region);
      created.delete(i.name);
      stopping.delete(i.name);
      stopped.delete(i.name);
      // gone from the provider's list at once (a linked Center forgets it when its machine is gone)
      deleted.add(i.name);
      if (opts.center?.providerInstanceAction) void opts.center.providerInstanceAction(i.name, "delete").catch(() => undefined);
      deletes.push({ name: i.name, at: now() });
      log(`lightsail delete ${i.name}`);
      return { operations: [operationOf(i, "DeleteInstance")] };
    },
    GetInstanceMetricData: (body, region) => {
      const i = findInstance(body.instanceName, region);
      const metric = body.metricName;
      const period = body.period;
      const start = body.startTime;
      const end = body.endTime;
      const unit = body.unit;
      const stats = body.statistics;
      const invalid = (m: string) => new AwsError("InvalidInputException", m, 400, { code: "InvalidInput" });
      if (typeof metric !== "string" || !["NetworkIn", "NetworkOut", "CPUUtilization"].includes(metric)) throw invalid(`Invalid metric name: ${String(metric)}`);
      if (typeof period !== "number" || period < 60 || period > 86400 || period % 60 !== 0) throw invalid("period must be a multiple of 60 between 60 and 86400");
      if (typeof start !== "number" || typeof end !== "number") throw invalid("startTime and endTime are required");
      if (end <= start) throw invalid("endTime must be after startTime");
      if (!Array.isArray(stats) || stats.length === 0) throw invalid("statistics is required");
      const expectUnit = metric === "CPUUtilization" ? "Percent" : "Bytes";
      if (unit !== expectUnit) throw invalid(`Invalid unit ${String(unit)} for metric ${metric}; expected ${expectUnit}`);
      const first = Math.floor(start / period) * period;
      if ((end - first) / period > 1440) throw invalid("The requested time range would return more than 1440 data points");
      const t = now();
      const data: Record<string, unknown>[] = [];
      for (let s = first; s < end; s += period) {
        const a = Math.max(s, start, i.createdAt);
        const b = Math.min(s + period, end, t);
        if (b <= a) continue;
        const samples = Math.max(1, Math.floor((b - a) / 300));
        let sum: number;
        if (metric === "CPUUtilization") sum = samples * (3 + (trafficBytes(i.name, "out", a, b) % 1000) / 100);
        else {
          // a Center-linked instance whose node the node simulator runs: the node's host NIC (a little off its meter)
          const linked = opts.center?.providerTrafficOf?.(i.ipv4, a, b);
          sum = linked ? Math.round(metric === "NetworkIn" ? linked.inBytes : linked.outBytes) : trafficBytes(i.name, metric === "NetworkIn" ? "in" : "out", a, b, i.createdAt);
        }
        const avg = sum / samples;
        const dp: Record<string, unknown> = { timestamp: s, unit: expectUnit };
        for (const st of stats) {
          if (st === "Sum") dp.sum = sum;
          else if (st === "Average") dp.average = avg;
          else if (st === "Maximum") dp.maximum = avg * 1.6;
          else if (st === "Minimum") dp.minimum = avg * 0.3;
          else if (st === "SampleCount") dp.sampleCount = samples;
          else throw invalid(`Invalid statistic: ${String(st)}`);
        }
        data.push(dp);
      }
      return { metricName: metric, metricData: data };
    },
    ...statics.ops,
  };

  function regionFromAuth(h: string): { keyId: string; region: string } | null {
    const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/lightsail\/aws4_request/.exec(h);
    return m ? { keyId: m[1], region: m[2] } : null;
  }

  function respond(res: http.ServerResponse, status: number, body: unknown, errType?: string) {
    const headers: Record<string, string> = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": randomUUID() };
    if (errType) headers["x-amzn-ErrorType"] = errType;
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", async () => {
      try {
        if (req.method !== "POST") throw new AwsError("UnknownOperationException", "", 404);
        const target = String(req.headers["x-amz-target"] ?? "");
        const m = /^Lightsail_20161128\.(\w+)$/.exec(target);
        if (!m || !ops[m[1]]) throw new AwsError("UnknownOperationException", `Unknown operation ${target}`);
        const ct = String(req.headers["content-type"] ?? "");
        if (!ct.startsWith("application/x-amz-json-1.1")) throw new AwsError("SerializationException", "Content-Type must be application/x-amz-json-1.1");
        const auth = regionFromAuth(String(req.headers.authorization ?? ""));
        if (!auth) throw new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 400);
        if (opts.accessKeyId && auth.keyId !== opts.accessKeyId) {
          throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: Record<string, unknown> = {};
        if (raw.trim()) {
          try {
            body = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            throw new AwsError("SerializationException", "Start of structure or map found where not expected.");
          }
        }
        // the static IPs as the instances are now (a linked Center may have moved one)
        statics.sync();
        const out = await ops[m[1]](body, opts.ignoreRegion ? null : auth.region);
        log(`lightsail ${m[1]} region=${auth.region} -> 200`);
        respond(res, 200, out);
      } catch (e) {
        if (e instanceof AwsError) {
          log(`lightsail error ${e.type}`);
          respond(res, e.status, { __type: e.type, message: e.message, ...e.extra }, e.type);
        } else {
          // e.g. a machine that could not move (the node simulator's hook threw)
          log(`lightsail internal error: ${e instanceof Error ? e.message : String(e)}`);
          respond(res, 500, { __type: "ServiceException", message: "internal error", code: "InternalFailure" }, "ServiceException");
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    port,
    /** env for the console's Lightsail client (dummy credentials; the simulator ignores the signature) */
    env: { LIGHTSAIL_ENDPOINT: url, AWS_REGION: "ap-northeast-1", AWS_ACCESS_KEY_ID: opts.accessKeyId ?? "AKIASIMULATED000000", AWS_SECRET_ACCESS_KEY: "simulated-secret-not-checked" },
    reboots,
    /** every CreateInstances request taken, in order (tests count VPSs created) */
    creates,
    /** every StopInstance / DeleteInstance taken, in order */
    stops,
    deletes,
    inventory: listed,
    /** every static-IP change taken (Allocate/Attach/Detach/ReleaseStaticIp), in order */
    staticIpCalls: statics.calls,
    /** the static IPs now, every region (`attachedTo` null when unattached) */
    staticIps: () => {
      statics.sync();
      return statics.list();
    },
    /**
     * The next `times` calls of a static-IP operation fail with this AWS error (after validation:
     * nothing happened); 0 clears it.
     */
    failStaticIp(op: StaticIpOp, times: number, type = "ServiceException", message = "We encountered an internal error. Please try again.") {
      if (!STATIC_IP_OPS.includes(op)) throw new Error(`not a static-IP operation: ${op}`);
      statics.fail(op, times, type, message);
    },
    /** the next `times` CreateInstances fail with this AWS error (after validation) */
    failCreates(times: number, type = "ServiceException", message = "We encountered an internal error. Please try again.") {
      createFailures = times > 0 ? { times, type, message } : null;
    },
    setAccountId(id: string) {
      accountId = id;
    },
    /** instances created from now on stay pending this long after their machine is up (tests that must catch a create mid-wait) */
    setPendingSeconds(seconds: number) {
      pendingSeconds = seconds;
    },
    async close() {
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await done;
    },
  };
}

export type LightsailSim = Awaited<ReturnType<typeof startLightsailSim>>;
