import { sameAcrossBundles } from "@/lib/errors";
import {
  AllocateStaticIpCommand,
  AttachStaticIpCommand,
  CreateInstancesCommand,
  DeleteInstanceCommand,
  DetachStaticIpCommand,
  StopInstanceCommand,
  GetInstanceCommand,
  GetInstanceMetricDataCommand,
  GetInstancesCommand,
  GetStaticIpCommand,
  GetStaticIpsCommand,
  LightsailClient,
  RebootInstanceCommand,
  ReleaseStaticIpCommand,
  type Instance,
  type Operation,
  type StaticIp,
} from "@aws-sdk/client-lightsail";
import { MIN_SECRET_LENGTH, registerSecret } from "@/lib/redact";

// The console's AWS Lightsail wrapper: reboot, instance facts, create/stop/delete,
// static IPs (a node's public address: allocate, attach, detach, release), and monthly
// NetworkIn/NetworkOut sums (the provider's view of billable transfer).
// Configuration from the environment: LIGHTSAIL_ENDPOINT (optional, e.g. the
// simulator), AWS_REGION, and the standard AWS credential variables. One SDK
// client per region (Lightsail is regional; an instance's region comes from
// Center's cloud instance row). Credentials never reach a log line or an error.

export type LightsailConfig = {
  /** default region (AWS_REGION) */
  region: string;
  /** custom endpoint (LIGHTSAIL_ENDPOINT), e.g. http://127.0.0.1:4567 */
  endpoint?: string;
  /** explicit credentials; absent = the SDK's standard provider chain (env, profile, ...) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** per-call timeout, default 20 s */
  timeoutMs?: number;
  /** SDK attempts (default 3) */
  maxAttempts?: number;
};

export type LightsailInstanceSummary = {
  name: string;
  region: string;
  availabilityZone: string;
  state: string;
  publicIp: string;
  /** a static IP is attached (publicIp is its address); false: a dynamic address, which changes on stop/start or a detach */
  isStaticIp: boolean;
  ipv6: string[];
  bundleId: string;
  blueprintId: string;
  createdAt: number; // unix s
  transferGbPerMonth: number;
};

/**
 * A static IP of the account in one region: a public IPv4 reserved until released. Attached to
 * at most one instance (whose public address it then is); names are unique per region.
 */
export type LightsailStaticIp = {
  name: string;
  /** dotted IPv4 */
  ipAddress: string;
  /** the instance's name, null when unattached */
  attachedTo: string | null;
  isAttached: boolean;
};

/** What AWS answered to a change: the first operation (the static IP's, for attach/detach) and its status ("Succeeded", "Started"). */
export type LightsailOperation = { operationId: string; status: string };

export type MonthlyTransfer = {
  instanceName: string;
  region: string;
  month: string; // YYYY-MM (UTC)
  from: number; // unix s, 1st 00:00 UTC
  to: number; // unix s, exclusive (now or the next 1st)
  inBytes: number;
  outBytes: number;
  /** what AWS bills against the allowance: max(in, out) (metering.md) */
  billableBytes: number;
  /** what Center's sync stores as traffic_used (in + out) */
  sumBytes: number;
};

/** A Lightsail/AWS failure with the secret-free facts only. */
export class LightsailError extends Error {
  readonly code: string;
  readonly httpStatus?: number;
  readonly retryable: boolean;
  constructor(code: string, message: string, httpStatus?: number, retryable = false) {
    super(message);
    this.name = "LightsailError";
    this.code = code;
    this.httpStatus = httpStatus;
    this.retryable = retryable;
  }
}
sameAcrossBundles(LightsailError, "LightsailError");

export function lightsailConfigFromEnv(env: Record<string, string | undefined> = process.env): LightsailConfig {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) throw new LightsailError("ConfigError", "AWS_REGION is not configured");
  const endpoint = env.LIGHTSAIL_ENDPOINT?.trim() || undefined;
  const id = env.AWS_ACCESS_KEY_ID?.trim();
  const secret = env.AWS_SECRET_ACCESS_KEY?.trim();
  return {
    region,
    endpoint,
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN?.trim() || undefined } : undefined,
  };
}

const regionOf = (r: string) => (/\d[a-z]$/.test(r) ? r.slice(0, -1) : r);

function monthBounds(month: string | undefined, nowSec: number): { month: string; from: number; to: number } {
  let y: number, m: number;
  if (month) {
    const mm = /^(\d{4})-(\d{2})$/.exec(month);
    if (!mm) throw new LightsailError("InvalidInput", "month must be YYYY-MM");
    y = Number(mm[1]);
    m = Number(mm[2]) - 1;
  } else {
    const d = new Date(nowSec * 1000);
    y = d.getUTCFullYear();
    m = d.getUTCMonth();
  }
  const from = Date.UTC(y, m, 1) / 1000;
  const next = Date.UTC(y, m + 1, 1) / 1000;
  return { month: `${y}-${String(m + 1).padStart(2, "0")}`, from, to: Math.min(next, Math.max(from + 60, nowSec)) };
}

function toSummary(i: Instance): LightsailInstanceSummary {
  return {
    name: i.name ?? "",
    region: i.location?.regionName ?? "",
    availabilityZone: i.location?.availabilityZone ?? "",
    state: i.state?.name ?? "unknown",
    publicIp: i.publicIpAddress ?? "",
    isStaticIp: i.isStaticIp ?? false,
    ipv6: i.ipv6Addresses ?? [],
    bundleId: i.bundleId ?? "",
    blueprintId: i.blueprintId ?? "",
    createdAt: i.createdAt ? Math.floor(i.createdAt.getTime() / 1000) : 0,
    transferGbPerMonth: i.networking?.monthlyTransfer?.gbPerMonthAllocated ?? 0,
  };
}

function toStaticIp(s: StaticIp): LightsailStaticIp {
  return { name: s.name ?? "", ipAddress: s.ipAddress ?? "", attachedTo: s.attachedTo || null, isAttached: s.isAttached ?? !!s.attachedTo };
}

const firstOp = (ops: Operation[] | undefined): LightsailOperation => ({ operationId: ops?.[0]?.id ?? "", status: ops?.[0]?.status ?? "Started" });

/** Lightsail's "no such resource" (GetInstance / GetStaticIp of a name the region has not got). */
const isNotFound = (e: unknown) => e instanceof LightsailError && (e.code === "NotFoundException" || /does not exist/i.test(e.message));

function wrapError(e: unknown, secrets: string[]): LightsailError {
  if (e instanceof LightsailError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  let msg = String(err?.message ?? "Lightsail request failed");
  for (const s of secrets) if (s && msg.includes(s)) msg = msg.split(s).join("<redacted>");
  const status = err?.$metadata?.httpStatusCode;
  const name = err?.name ?? "Error";
  const retryable = !!err?.$retryable || (status !== undefined && status >= 500) || name === "TimeoutError" || name === "AbortError";
  return new LightsailError(name, msg, status, retryable);
}

export function createLightsailClient(cfg: LightsailConfig) {
  const clients = new Map<string, LightsailClient>();
  const timeoutMs = cfg.timeoutMs ?? 20_000;
  registerSecret(cfg.credentials?.secretAccessKey);
  registerSecret(cfg.credentials?.sessionToken);
  // as the redactor: a value too short to be a credential would mangle every message it occurs in
  const secrets = [cfg.credentials?.secretAccessKey ?? "", cfg.credentials?.sessionToken ?? "", cfg.credentials?.accessKeyId ?? ""].filter((s) => s.length >= MIN_SECRET_LENGTH);

  function client(region?: string): LightsailClient {
    const r = regionOf(region || cfg.region);
    let c = clients.get(r);
    if (!c) {
      c = new LightsailClient({
        region: r,
        endpoint: cfg.endpoint,
        credentials: cfg.credentials,
        maxAttempts: cfg.maxAttempts ?? 3,
        // the SDK's own logger stays off: nothing it could print reaches our logs
        logger: undefined,
      });
      clients.set(r, c);
    }
    return c;
  }

  async function send<T>(region: string | undefined, fn: (c: LightsailClient, signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await fn(client(region), signal);
    } catch (e) {
      if (signal.aborted) throw new LightsailError("TimeoutError", `Lightsail did not answer within ${timeoutMs} ms`, undefined, true);
      throw wrapError(e, secrets);
    }
  }

  async function metricSum(name: string, region: string | undefined, metric: "NetworkIn" | "NetworkOut", from: number, to: number): Promise<number> {
    let total = 0;
    // daily sums; ≤ 31 points per month, well under the 1440-point limit
    const out = await send(region, (c, abortSignal) =>
      c.send(
        new GetInstanceMetricDataCommand({
          instanceName: name,
          metricName: metric,
          period: 86_400,
          startTime: new Date(from * 1000),
          endTime: new Date(to * 1000),
          unit: "Bytes",
          statistics: ["Sum"],
        }),
        { abortSignal },
      ),
    );
    for (const dp of out.metricData ?? []) total += dp.sum ?? 0;
    return Math.round(total);
  }

  return {
    /** One instance by name (NotFoundException → LightsailError code "NotFoundException"). */
    async getInstance(name: string, region?: string): Promise<LightsailInstanceSummary> {
      const out = await send(region, (c, abortSignal) => c.send(new GetInstanceCommand({ instanceName: name }), { abortSignal }));
      if (!out.instance) throw new LightsailError("NotFoundException", `instance ${name} not found`);
      return toSummary(out.instance);
    },
    /** One instance by name, or null when Lightsail has none of that name in the region. */
    async findInstance(name: string, region?: string): Promise<LightsailInstanceSummary | null> {
      try {
        return await this.getInstance(name, region);
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    /** Every instance of a region (follows nextPageToken). */
    async listInstances(region?: string): Promise<LightsailInstanceSummary[]> {
      const all: LightsailInstanceSummary[] = [];
      let pageToken: string | undefined;
      for (let i = 0; i < 100; i++) {
        const out = await send(region, (c, abortSignal) => c.send(new GetInstancesCommand({ pageToken }), { abortSignal }));
        all.push(...(out.instances ?? []).map(toSummary));
        pageToken = out.nextPageToken;
        if (!pageToken) break;
      }
      return all;
    },
    /** Reboots an instance; resolves once AWS accepted the operation. */
    async rebootInstance(name: string, region?: string): Promise<{ operationId: string; status: string }> {
      const out = await send(region, (c, abortSignal) => c.send(new RebootInstanceCommand({ instanceName: name }), { abortSignal }));
      const op = out.operations?.[0];
      return { operationId: op?.id ?? "", status: op?.status ?? "Started" };
    },
    /**
     * Creates one instance (CreateInstances) in `availabilityZone` (e.g. ap-northeast-1a) and
     * resolves once AWS accepted it; the instance is then "pending" until it runs. Names are
     * unique per region: an existing name fails with code InvalidInputException ("Some names are
     * already in use"), which is what makes a create by name safe to repeat (look up first).
     */
    async createInstance(spec: { name: string; availabilityZone: string; bundleId: string; blueprintId: string; tags?: Record<string, string>; /** the Lightsail key pair whose public key the instance's user accepts (default: the region's default pair) */ keyPairName?: string }): Promise<{ operationId: string; status: string }> {
      const out = await send(regionOf(spec.availabilityZone), (c, abortSignal) =>
        c.send(
          new CreateInstancesCommand({
            instanceNames: [spec.name],
            availabilityZone: spec.availabilityZone,
            bundleId: spec.bundleId,
            blueprintId: spec.blueprintId,
            ...(spec.keyPairName ? { keyPairName: spec.keyPairName } : {}),
            tags: Object.entries(spec.tags ?? {}).map(([key, value]) => ({ key, value })),
          }),
          { abortSignal },
        ),
      );
      const op = out.operations?.[0];
      return { operationId: op?.id ?? "", status: op?.status ?? "Started" };
    },
    /** Stops an instance (its disk and static IP kept; billed for storage only); resolves once AWS accepted it. */
    async stopInstance(name: string, region?: string): Promise<{ operationId: string; status: string }> {
      const out = await send(region, (c, abortSignal) => c.send(new StopInstanceCommand({ instanceName: name }), { abortSignal }));
      const op = out.operations?.[0];
      return { operationId: op?.id ?? "", status: op?.status ?? "Started" };
    },
    /** Deletes an instance and its system disk (irreversible); resolves once AWS accepted it. */
    async deleteInstance(name: string, region?: string): Promise<{ operationId: string; status: string }> {
      const out = await send(region, (c, abortSignal) => c.send(new DeleteInstanceCommand({ instanceName: name }), { abortSignal }));
      const op = out.operations?.[0];
      return { operationId: op?.id ?? "", status: op?.status ?? "Started" };
    },
    /**
     * One static IP by name (GetStaticIp), or null when the region has none of that name.
     * Errors: LightsailError (InvalidInputException for a malformed name; auth, throttling, timeout).
     */
    async findStaticIp(name: string, region?: string): Promise<LightsailStaticIp | null> {
      try {
        const out = await send(region, (c, abortSignal) => c.send(new GetStaticIpCommand({ staticIpName: name }), { abortSignal }));
        return out.staticIp ? toStaticIp(out.staticIp) : null;
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    /** Every static IP of a region (GetStaticIps, follows nextPageToken), attached or not. */
    async listStaticIps(region?: string): Promise<LightsailStaticIp[]> {
      const all: LightsailStaticIp[] = [];
      let pageToken: string | undefined;
      for (let i = 0; i < 100; i++) {
        const out = await send(region, (c, abortSignal) => c.send(new GetStaticIpsCommand({ pageToken }), { abortSignal }));
        all.push(...(out.staticIps ?? []).map(toStaticIp));
        pageToken = out.nextPageToken;
        if (!pageToken) break;
      }
      return all;
    },
    /**
     * Reserves a new static IP named `name` (pattern \w[\w-]*\w, unique per region) in the region;
     * unattached until attachStaticIp (AWS bills an unattached one by the hour). Its address:
     * findStaticIp. A name in use fails with code InvalidInputException (look it up first to
     * repeat an allocation safely); so does reaching the account's static-IP quota [not simulated].
     */
    async allocateStaticIp(name: string, region?: string): Promise<LightsailOperation> {
      const out = await send(region, (c, abortSignal) => c.send(new AllocateStaticIpCommand({ staticIpName: name }), { abortSignal }));
      return firstOp(out.operations);
    },
    /**
     * Attaches an unattached static IP to a running instance of the same region: the instance's
     * public address becomes the static IP's at once (its dynamic address is gone; connections to
     * it break). NotFoundException for an unknown static IP or instance; InvalidInputException when
     * the static IP is attached already (to any instance) or the instance is not running [the
     * simulator also refuses an instance that has another static IP attached].
     */
    async attachStaticIp(name: string, instanceName: string, region?: string): Promise<LightsailOperation> {
      const out = await send(region, (c, abortSignal) => c.send(new AttachStaticIpCommand({ staticIpName: name, instanceName }), { abortSignal }));
      return firstOp(out.operations);
    },
    /**
     * Detaches a static IP from its instance: the instance gets a new dynamic public address
     * (read it with getInstance), the static IP keeps its address, unattached, until released.
     * NotFoundException for an unknown name; InvalidInputException when it is not attached.
     */
    async detachStaticIp(name: string, region?: string): Promise<LightsailOperation> {
      const out = await send(region, (c, abortSignal) => c.send(new DetachStaticIpCommand({ staticIpName: name }), { abortSignal }));
      return firstOp(out.operations);
    },
    /**
     * Releases an unattached static IP (its address goes back to AWS: irreversible).
     * NotFoundException for an unknown name; [the simulator refuses an attached one with
     * InvalidInputException: detach first].
     */
    async releaseStaticIp(name: string, region?: string): Promise<LightsailOperation> {
      const out = await send(region, (c, abortSignal) => c.send(new ReleaseStaticIpCommand({ staticIpName: name }), { abortSignal }));
      return firstOp(out.operations);
    },
    /** NetworkIn/NetworkOut sums for a calendar month (UTC), up to now for the current month. */
    async monthlyTransfer(name: string, o: { region?: string; month?: string; nowSec?: number } = {}): Promise<MonthlyTransfer> {
      const nowSec = o.nowSec ?? Math.floor(Date.now() / 1000);
      const b = monthBounds(o.month, nowSec);
      const [inBytes, outBytes] = await Promise.all([metricSum(name, o.region, "NetworkIn", b.from, b.to), metricSum(name, o.region, "NetworkOut", b.from, b.to)]);
      return {
        instanceName: name,
        region: regionOf(o.region || cfg.region),
        month: b.month,
        from: b.from,
        to: b.to,
        inBytes,
        outBytes,
        billableBytes: Math.max(inBytes, outBytes),
        sumBytes: inBytes + outBytes,
      };
    },
    /** configuration facts for the Settings page (no secret) */
    describe() {
      return { region: cfg.region, endpoint: cfg.endpoint ?? "AWS default", credentials: cfg.credentials ? "explicit" : "standard AWS chain" };
    },
    destroy() {
      for (const c of clients.values()) c.destroy();
      clients.clear();
    },
  };
}

export type LightsailWrapper = ReturnType<typeof createLightsailClient>;

export function lightsailClientFromEnv(env: Record<string, string | undefined> = process.env): LightsailWrapper {
  return createLightsailClient(lightsailConfigFromEnv(env));
}

/**
 * Where a node lives at Lightsail, from Center's cloud instance row
 * (instance_id = the Lightsail instance name, region = the provider region),
 * or null when the instance is not an aws_lightsail one.
 */
export function lightsailTargetOf(ci: { provider: string; instance_id: string; region: string }): { name: string; region: string } | null {
  if (ci.provider !== "aws_lightsail" || !ci.instance_id) return null;
  return { name: ci.instance_id, region: regionOf(ci.region) };
}
