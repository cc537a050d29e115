import { sameAcrossBundles } from "@/lib/errors";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { z } from "zod";
import { registerSecret } from "@/lib/redact";
import {
  ClaimResponseSchema,
  CloudAccountListSchema,
  CloudImageListSchema,
  CloudInstanceListSchema,
  CloudInstanceSchema,
  CloudPlanListSchema,
  CloudRegionListSchema,
  DataSlaveNodeSchema,
  DataSlaveTunnelSchema,
  DeviceLogListSchema,
  EmptyDataSchema,
  EnvelopeSchema,
  FeedbackTicketListSchema,
  MyPermissionsSchema,
  NodeListSchema,
  NodeOperationListSchema,
  NodeOperationSchema,
  TaskIdSchema,
  TicketReplyListSchema,
  TicketReplySchema,
  TrafficConfigResponseSchema,
  TunnelListSchema,
  type AdminNodeItem,
  type ChangeIpRequest,
  type ClaimRequest,
  type CreateCloudInstanceRequest,
  type CreateNodeOperationRequest,
  type DataSlaveTunnel,
  type CloudInstance,
  type NodeUpdateRequest,
  type TunnelUpdateRequest,
  type UpdateNodeOperationRequest,
} from "./schemas";

// Server-side client for Kaitu Center (center-api.md). The access key lives only
// in this module's closure: it is sent as X-Access-Key and never appears in an
// error message, a log line or a thrown object.

export const DEFAULT_LOG_BUCKET_URL = "https://kaitu-service-logs.s3.ap-northeast-1.amazonaws.com";

/** Center answered HTTP 200 with an envelope whose code ≠ 0. Not retryable. */
export class CenterError extends Error {
  readonly code: number;
  readonly httpStatus: number;
  readonly method: string;
  readonly path: string;
  readonly retryable = false;
  constructor(code: number, message: string, httpStatus: number, method: string, path: string) {
    super(message);
    this.name = "CenterError";
    this.code = code;
    this.httpStatus = httpStatus;
    this.method = method;
    this.path = path;
  }
}
sameAcrossBundles(CenterError, "CenterError");

export type CenterTransportKind = "timeout" | "network" | "http_5xx" | "http_status" | "non_json" | "bad_response" | "aborted";

/**
 * Center could not be reached or answered something that is not a usable
 * envelope: HTTP 5xx, non-JSON body, timeout, connection failure. `retryable`
 * says whether trying again later makes sense (true for 5xx / timeout / network
 * / non-JSON; false for an unknown route's 404, a schema mismatch or a caller abort).
 */
export class CenterUnavailableError extends Error {
  readonly kind: CenterTransportKind;
  readonly httpStatus?: number;
  readonly method: string;
  readonly path: string;
  readonly retryable: boolean;
  constructor(kind: CenterTransportKind, message: string, method: string, path: string, httpStatus?: number) {
    super(message);
    this.name = "CenterUnavailableError";
    this.kind = kind;
    this.method = method;
    this.path = path;
    this.httpStatus = httpStatus;
    this.retryable = kind === "timeout" || kind === "network" || kind === "http_5xx" || kind === "non_json";
  }
}
sameAcrossBundles(CenterUnavailableError, "CenterUnavailableError");

export function isCenterError(e: unknown): e is CenterError {
  return e instanceof CenterError;
}
export function isRetryableCenterError(e: unknown): boolean {
  return e instanceof CenterUnavailableError && e.retryable;
}

export type CenterClientOptions = {
  baseUrl: string;
  accessKey: string;
  /** per-request timeout, default 15 s */
  timeoutMs?: number;
  /** extra attempts for idempotent GETs on retryable failures, default 2 */
  getRetries?: number;
  /** base backoff between GET retries (doubles), default 250 ms */
  retryDelayMs?: number;
  /** public bucket device logs are downloaded from (KAITU_LOG_BUCKET_URL) */
  logBucketUrl?: string;
  /** X-K2-Brand header, optional */
  brand?: string;
};

export type RequestOptions = { signal?: AbortSignal; timeoutMs?: number };
type Query = Record<string, string | number | boolean | undefined | null>;
export type PageQuery = { page?: number; pageSize?: number };

/** A walk over every page of a list: `complete` false when Center's list moved under it (then `reason`). */
export type PagedWalk<I> = { items: I[]; complete: boolean; total: number; reason?: string };
// bounds: pages per walk, and walks when the list moves under one
const MAX_WALK_PAGES = 10_000;
const WALK_ATTEMPTS = 3;

/** Reads KAITU_CENTER_URL / KAITU_ACCESS_KEY (and optional timeouts) from the environment. */
export function centerConfigFromEnv(env: Record<string, string | undefined> = process.env): CenterClientOptions {
  const baseUrl = env.KAITU_CENTER_URL?.trim();
  const accessKey = env.KAITU_ACCESS_KEY?.trim();
  if (!baseUrl) throw new Error("KAITU_CENTER_URL is not configured");
  if (!accessKey) throw new Error("KAITU_ACCESS_KEY is not configured");
  return {
    baseUrl,
    accessKey,
    timeoutMs: env.KAITU_CENTER_TIMEOUT_MS ? Number(env.KAITU_CENTER_TIMEOUT_MS) : undefined,
    logBucketUrl: env.KAITU_LOG_BUCKET_URL?.trim() || undefined,
  };
}

export function centerClientFromEnv(env: Record<string, string | undefined> = process.env): CenterClient {
  return createCenterClient(centerConfigFromEnv(env));
}

function buildQuery(q?: Query): string {
  if (!q) return "";
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : "";
}

const seg = (v: string | number) => encodeURIComponent(String(v));

function describeCause(e: unknown): string {
  const err = e as { cause?: { code?: string; message?: string }; message?: string };
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? "fetch failed";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createCenterClient(opts: CenterClientOptions) {
  const base = new URL(opts.baseUrl);
  if (base.username || base.password) throw new Error("KAITU_CENTER_URL must not carry credentials");
  const baseStr = base.toString().replace(/\/+$/, "");
  const accessKey = opts.accessKey;
  // every sink (logs, audit, pages) masks the key from now on
  registerSecret(accessKey);
  const timeoutMs = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : 15_000;
  const getRetries = Math.max(0, Math.min(opts.getRetries ?? 2, 5));
  const retryDelayMs = opts.retryDelayMs ?? 250;
  const logBucketUrl = (opts.logBucketUrl ?? DEFAULT_LOG_BUCKET_URL).replace(/\/+$/, "");

  // the key must never leak through a message we build; scrub defensively anyway
  const scrub = (s: string) => (accessKey && s.includes(accessKey) ? s.split(accessKey).join("<redacted>") : s);

  async function once<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T, ro?: RequestOptions): Promise<z.infer<T>> {
    const timeout = ro?.timeoutMs ?? timeoutMs;
    const timer = AbortSignal.timeout(timeout);
    const signal = ro?.signal ? AbortSignal.any([timer, ro.signal]) : timer;
    const headers: Record<string, string> = { "X-Access-Key": accessKey, Accept: "application/json" };
    if (opts.brand) headers["X-K2-Brand"] = opts.brand;
    let payload: string | undefined;
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body ?? {});
    }
    const pathOnly = path.split("?")[0];
    let res: Response;
    let text: string;
    try {
      res = await fetch(baseStr + path, { method, headers, body: payload, signal, redirect: "manual" });
      text = await res.text();
    } catch (e) {
      if (ro?.signal?.aborted) throw new CenterUnavailableError("aborted", `Center ${method} ${pathOnly}: aborted by caller`, method, pathOnly);
      if (timer.aborted) throw new CenterUnavailableError("timeout", `Center ${method} ${pathOnly}: no answer within ${timeout} ms`, method, pathOnly);
      throw new CenterUnavailableError("network", scrub(`Center ${method} ${pathOnly}: ${describeCause(e)}`), method, pathOnly);
    }
    if (res.status >= 500) {
      throw new CenterUnavailableError("http_5xx", `Center ${method} ${pathOnly}: HTTP ${res.status}`, method, pathOnly, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (res.status >= 200 && res.status < 300) {
        throw new CenterUnavailableError("non_json", `Center ${method} ${pathOnly}: HTTP ${res.status} with a non-JSON body`, method, pathOnly, res.status);
      }
      throw new CenterUnavailableError("http_status", `Center ${method} ${pathOnly}: HTTP ${res.status}`, method, pathOnly, res.status);
    }
    const env = EnvelopeSchema.safeParse(json);
    if (!env.success) {
      const kind = res.status >= 200 && res.status < 300 ? "bad_response" : "http_status";
      throw new CenterUnavailableError(kind, `Center ${method} ${pathOnly}: HTTP ${res.status}, not a Center envelope`, method, pathOnly, res.status);
    }
    if (env.data.code !== 0) {
      throw new CenterError(env.data.code, scrub(env.data.message || `code ${env.data.code}`), res.status, method, pathOnly);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new CenterUnavailableError("http_status", `Center ${method} ${pathOnly}: HTTP ${res.status}`, method, pathOnly, res.status);
    }
    const data = schema.safeParse(env.data.data);
    if (!data.success) {
      const first = data.error.issues[0];
      const where = first ? `${first.path.join(".") || "data"}: ${first.message}` : "invalid";
      throw new CenterUnavailableError("bad_response", `Center ${method} ${pathOnly}: unexpected response shape (${where})`, method, pathOnly, res.status);
    }
    return data.data;
  }

  async function call<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T, ro?: RequestOptions): Promise<z.infer<T>> {
    const attempts = method === "GET" ? 1 + getRetries : 1;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await once(method, path, body, schema, ro);
      } catch (e) {
        last = e;
        if (!isRetryableCenterError(e) || i === attempts - 1 || ro?.signal?.aborted) throw e;
        await sleep(retryDelayMs * 2 ** i);
      }
    }
    throw last;
  }

  const get = <T extends z.ZodType>(path: string, schema: T, q?: Query, ro?: RequestOptions) => call("GET", path + buildQuery(q), undefined, schema, ro);
  const post = <T extends z.ZodType>(path: string, body: unknown, schema: T, ro?: RequestOptions) => call("POST", path, body ?? {}, schema, ro);
  const put = <T extends z.ZodType>(path: string, body: unknown, schema: T, ro?: RequestOptions) => call("PUT", path, body ?? {}, schema, ro);
  const del = <T extends z.ZodType>(path: string, schema: T, ro?: RequestOptions) => call("DELETE", path, undefined, schema, ro);

  /**
   * Walks a paginated endpoint once: page 1, 2, ... until as many distinct items
   * as Center's `total` were seen or a page is empty (a short page does NOT end
   * it: Center may cap the page size). Complete only when Center's total stayed
   * the same on every page and exactly that many distinct items were seen; a
   * node deleted or added between page fetches shifts the pages, so such a walk
   * may have skipped an item and says so.
   */
  async function walkOnce<I>(fetchPage: (page: number) => Promise<{ items: I[]; pagination: { page: number; pageSize: number; total: number } | null }>, key?: (i: I) => string): Promise<PagedWalk<I>> {
    const out: I[] = [];
    const seen = new Set<string>();
    let firstTotal: number | null = null;
    let lastTotal = 0;
    for (let page = 1; page <= MAX_WALK_PAGES; page++) {
      const r = await fetchPage(page);
      const before = out.length;
      for (const it of r.items) {
        const k = key?.(it);
        if (k !== undefined) {
          if (seen.has(k)) continue;
          seen.add(k);
        }
        out.push(it);
      }
      const p = r.pagination;
      if (!p) return { items: out, complete: true, total: out.length };
      firstTotal ??= p.total;
      lastTotal = p.total;
      if (p.total !== firstTotal) return { items: out, complete: false, total: lastTotal, reason: `Center's total changed during the walk (${firstTotal} -> ${p.total})` };
      if (r.items.length === 0 || out.length >= p.total) break;
      // a page of nothing new would repeat forever
      if (out.length === before) return { items: out, complete: false, total: lastTotal, reason: `page ${page} held no new item` };
    }
    if (out.length !== lastTotal) return { items: out, complete: false, total: lastTotal, reason: `walked ${out.length} of the ${lastTotal} Center reported` };
    return { items: out, complete: true, total: lastTotal };
  }

  /** walkOnce, repeated (up to WALK_ATTEMPTS) while the walk was inconsistent; the last walk when none was complete. */
  async function walkChecked<I>(fetchPage: Parameters<typeof walkOnce<I>>[0], key?: (i: I) => string): Promise<PagedWalk<I>> {
    let w = await walkOnce(fetchPage, key);
    for (let attempt = 2; !w.complete && attempt <= WALK_ATTEMPTS; attempt++) w = await walkOnce(fetchPage, key);
    return w;
  }

  async function walk<I>(fetchPage: Parameters<typeof walkOnce<I>>[0], key?: (i: I) => string): Promise<I[]> {
    return (await walkChecked(fetchPage, key)).items;
  }

  const client = {
    baseUrl: baseStr,

    // §1.3
    myPermissions: (ro?: RequestOptions) => get("/app/my-permissions", MyPermissionsSchema, undefined, ro),

    // §2 nodes
    /** One page. Without `pageSize` Center uses 500 per page; with it, at most 100. */
    listNodes: (q: PageQuery = {}, ro?: RequestOptions) => get("/app/nodes", NodeListSchema, { page: q.page, pageSize: q.pageSize }, ro),
    /** Every node: pages of 500 (pageSize absent, §1.5), de-duplicated by ipv4. */
    listAllNodes: (ro?: RequestOptions): Promise<AdminNodeItem[]> =>
      walk((page) => get("/app/nodes", NodeListSchema, { page }, ro), (n) => n.ipv4),
    /** Every node, with whether the walk was consistent (see walkOnce): the fleet sync treats an incomplete one as partial. */
    listAllNodesChecked: (ro?: RequestOptions): Promise<PagedWalk<AdminNodeItem>> =>
      walkChecked((page) => get("/app/nodes", NodeListSchema, { page }, ro), (n) => n.ipv4),
    updateNode: (ipv4: string, body: NodeUpdateRequest, ro?: RequestOptions) => put(`/app/nodes/${seg(ipv4)}`, body, DataSlaveNodeSchema, ro),
    deleteNode: (ipv4: string, ro?: RequestOptions) => del(`/app/nodes/${seg(ipv4)}`, EmptyDataSchema, ro),

    // §3 tunnels
    listTunnels: (q: PageQuery & { protocol?: string } = {}, ro?: RequestOptions) =>
      get("/app/tunnels", TunnelListSchema, { page: q.page, pageSize: q.pageSize, protocol: q.protocol }, ro),
    listAllTunnels: (q: { protocol?: string } = {}, ro?: RequestOptions): Promise<DataSlaveTunnel[]> =>
      walk((page) => get("/app/tunnels", TunnelListSchema, { page, pageSize: 100, protocol: q.protocol }, ro), (t) => String(t.id)),
    updateTunnel: (id: number, body: TunnelUpdateRequest, ro?: RequestOptions) => put(`/app/tunnels/${seg(id)}`, body, DataSlaveTunnelSchema, ro),
    deleteTunnel: (id: number, ro?: RequestOptions) => del(`/app/tunnels/${seg(id)}`, EmptyDataSchema, ro),

    // §5 node operations
    listNodeOperations: (q: PageQuery & { status?: string; action?: string } = {}, ro?: RequestOptions) =>
      get("/app/node-operations", NodeOperationListSchema, { status: q.status, action: q.action, page: q.page, pageSize: q.pageSize }, ro),
    createNodeOperation: (body: CreateNodeOperationRequest, ro?: RequestOptions) => post("/app/node-operations", body, NodeOperationSchema, ro),
    /** 409 CenterError when the op is not queued or does not exist. The identity's claimToken is a secret. */
    claimNodeOperation: async (id: number, body: ClaimRequest = {}, ro?: RequestOptions) => {
      const r = await post(`/app/node-operations/${seg(id)}/claim`, body, ClaimResponseSchema, ro);
      registerSecret(r.identity?.claimToken); // one-time machine secret: masked in every sink from here on
      return r;
    },
    updateNodeOperation: (id: number, body: UpdateNodeOperationRequest, ro?: RequestOptions) =>
      post(`/app/node-operations/${seg(id)}/update`, body, EmptyDataSchema, ro),

    // §6 cloud
    listCloudAccounts: (ro?: RequestOptions) => get("/app/cloud/accounts", CloudAccountListSchema, undefined, ro),
    listCloudRegions: (q: { provider?: string; account?: string } = {}, ro?: RequestOptions) => get("/app/cloud/regions", CloudRegionListSchema, q, ro),
    listCloudPlans: (q: { account: string; region?: string }, ro?: RequestOptions) => get("/app/cloud/plans", CloudPlanListSchema, q, ro),
    listCloudImages: (q: { account: string; region?: string }, ro?: RequestOptions) => get("/app/cloud/images", CloudImageListSchema, q, ro),
    listCloudInstances: (q: PageQuery & { provider?: string; account?: string } = {}, ro?: RequestOptions) =>
      get("/app/cloud/instances", CloudInstanceListSchema, { provider: q.provider, account: q.account, page: q.page, pageSize: q.pageSize }, ro),
    listAllCloudInstances: (q: { provider?: string; account?: string } = {}, ro?: RequestOptions): Promise<CloudInstance[]> =>
      walk((page) => get("/app/cloud/instances", CloudInstanceListSchema, { ...q, page, pageSize: 100 }, ro), (i) => String(i.id)),
    getCloudInstance: (id: number, ro?: RequestOptions) => get(`/app/cloud/instances/${seg(id)}`, CloudInstanceSchema, undefined, ro),
    /** Deferred by Center to the next 02:00 Asia/Shanghai; only a task id comes back. */
    createCloudInstance: (body: CreateCloudInstanceRequest, ro?: RequestOptions) => post("/app/cloud/instances", body, TaskIdSchema, ro),
    deleteCloudInstance: (id: number, ro?: RequestOptions) => del(`/app/cloud/instances/${seg(id)}`, TaskIdSchema, ro),
    changeCloudInstanceIp: (id: number, body: ChangeIpRequest = {}, ro?: RequestOptions) => post(`/app/cloud/instances/${seg(id)}/change-ip`, body, TaskIdSchema, ro),
    updateCloudTrafficConfig: (id: number, trafficTotalGb: number, ro?: RequestOptions) =>
      put(`/app/cloud/instances/${seg(id)}/traffic-config`, { traffic_total_gb: trafficTotalGb }, TrafficConfigResponseSchema, ro),
    syncCloudInstances: (ro?: RequestOptions) => post("/app/cloud/instances/sync", {}, TaskIdSchema, ro),

    // §9 device logs and tickets
    listDeviceLogs: (
      q: PageQuery & { udid?: string; user_id?: number; feedback_id?: string; reason?: string; from?: string; to?: string } = {},
      ro?: RequestOptions,
    ) => get("/app/device-logs", DeviceLogListSchema, q, ro),
    listFeedbackTickets: (
      q: PageQuery & { udid?: string; email?: string; user_id?: number; status?: string; lastReplyBy?: "user" | "admin"; auto_generated?: boolean; from?: string; to?: string } = {},
      ro?: RequestOptions,
    ) => get("/app/feedback-tickets", FeedbackTicketListSchema, q, ro),
    listTicketReplies: (id: number, ro?: RequestOptions) => get(`/app/feedback-tickets/${seg(id)}/replies`, TicketReplyListSchema, undefined, ro),
    resolveTicket: (id: number, resolvedBy: string, ro?: RequestOptions) => put(`/app/feedback-tickets/${seg(id)}/resolve`, { resolvedBy }, EmptyDataSchema, ro),
    closeTicket: (id: number, ro?: RequestOptions) => put(`/app/feedback-tickets/${seg(id)}/close`, {}, EmptyDataSchema, ro),
    replyTicket: (id: number, body: { content: string; senderName?: string }, ro?: RequestOptions) =>
      post(`/app/feedback-tickets/${seg(id)}/reply`, body, TicketReplySchema, ro),

    /**
     * Downloads a device log from the public bucket (plain GET, no credentials)
     * and decompresses it like the MCP: .tar.gz → members, gzip → one file, else raw.
     */
    downloadDeviceLog: (s3Key: string, ro?: RequestOptions) => downloadDeviceLog(logBucketUrl, s3Key, ro?.timeoutMs ?? timeoutMs * 4, ro?.signal),
  };
  return client;
}

export type CenterClient = ReturnType<typeof createCenterClient>;

// ---- device log download ------------------------------------------------------

export type DeviceLogFile = { name: string; size: number; lines: number; text: string };
export type DeviceLogDownload = { s3Key: string; archiveBytes: number; format: "tar.gz" | "gzip" | "zip" | "raw"; files: DeviceLogFile[] };

const MAX_LOG_BYTES = 64 * 1024 * 1024;

async function downloadDeviceLog(bucketUrl: string, s3Key: string, timeoutMs: number, signal?: AbortSignal): Promise<DeviceLogDownload> {
  if (!s3Key || s3Key.split("/").some((p) => p === ".." || p === ".") || s3Key.startsWith("/")) {
    throw new Error("invalid s3Key");
  }
  const keyPath = s3Key.split("/").map(encodeURIComponent).join("/");
  const timer = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let buf: Buffer;
  try {
    res = await fetch(`${bucketUrl}/${keyPath}`, { signal: signal ? AbortSignal.any([timer, signal]) : timer });
    buf = await readCapped(res, MAX_LOG_BYTES);
  } catch (e) {
    if (e instanceof LogTooLargeError) throw e;
    const kind = timer.aborted ? "timeout" : signal?.aborted ? "aborted" : "network";
    throw new CenterUnavailableError(kind, `log download: ${kind === "network" ? describeCause(e) : kind}`, "GET", "<bucket>");
  }
  if (!res.ok) {
    throw new CenterUnavailableError(res.status >= 500 ? "http_5xx" : "http_status", `log download: HTTP ${res.status}`, "GET", "<bucket>", res.status);
  }
  return decodeLogArchive(s3Key, buf);
}

class LogTooLargeError extends Error {}

/** The body, read as it arrives and abandoned past `max` bytes (an upload is never held whole when it is too large). */
async function readCapped(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new LogTooLargeError(`log archive too large: ${declared} bytes (the cap is ${max / 2 ** 20} MiB)`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new LogTooLargeError(`log archive too large: more than ${max / 2 ** 20} MiB`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function fileOf(name: string, data: Buffer): DeviceLogFile {
  const text = data.toString("utf8");
  const lines = text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  const base = name.split(/[\\/]/).filter(Boolean).pop() ?? "log"; // path traversal guard
  return { name: base, size: data.length, lines, text };
}

const isGzip = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Exported for tests: decompresses a device-log object the way the MCP does. */
export function decodeLogArchive(s3Key: string, buf: Buffer): DeviceLogDownload {
  try {
    return decodeLogArchiveUnsafe(s3Key, buf);
  } catch (e) {
    // zlib's cap (maxOutputLength) speaks of buffer sizes: say what it means
    if (e instanceof RangeError) throw new Error(`log archive too large: it decompresses to more than ${MAX_LOG_BYTES / 2 ** 20} MiB`);
    throw e;
  }
}

function decodeLogArchiveUnsafe(s3Key: string, buf: Buffer): DeviceLogDownload {
  if (s3Key.endsWith(".tar.gz") || s3Key.endsWith(".tgz")) {
    const tar = gunzipSync(buf, { maxOutputLength: MAX_LOG_BYTES });
    return { s3Key, archiveBytes: buf.length, format: "tar.gz", files: untar(tar) };
  }
  if (s3Key.endsWith(".zip")) {
    return { s3Key, archiveBytes: buf.length, format: "zip", files: unzip(buf) };
  }
  if (isGzip(buf)) {
    const name = (s3Key.split("/").pop() ?? "log").replace(/\.gz$/, "");
    return { s3Key, archiveBytes: buf.length, format: "gzip", files: [fileOf(name, gunzipSync(buf, { maxOutputLength: MAX_LOG_BYTES }))] };
  }
  return { s3Key, archiveBytes: buf.length, format: "raw", files: [fileOf(s3Key.split("/").pop() ?? "log", buf)] };
}

function untar(tar: Buffer): DeviceLogFile[] {
  const files: DeviceLogFile[] = [];
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString("utf8").replace(/\0.*$/s, "");
    let name = str(0, 100);
    const prefix = str(345, 155);
    if (prefix) name = `${prefix}/${name}`;
    const size = parseInt(str(124, 12).trim() || "0", 8) || 0;
    const type = String.fromCharCode(h[156] || 0x30);
    const data = tar.subarray(off + 512, off + 512 + size);
    if (type === "L") longName = data.toString("utf8").replace(/\0.*$/s, "");
    else if (type === "0" || type === "\0") {
      files.push(fileOf(longName ?? name, data));
      longName = null;
    } else longName = null;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Central-directory based zip extraction (stored/deflate; ZIP64; data descriptors). */
function unzip(buf: Buffer): DeviceLogFile[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive");
  let entries = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if ((entries === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z64 = Number(buf.readBigUInt64LE(eocd - 20 + 8));
    if (buf.readUInt32LE(z64) !== 0x06064b50) throw new Error("bad zip64 record");
    entries = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  const files: DeviceLogFile[] = [];
  let p = cdOffset;
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error("bad zip central directory");
    const method = buf.readUInt16LE(p + 10);
    let compSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOff = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    // ZIP64 extended information: only the fields that are 0xFFFFFFFF are present, in order
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (compSize === 0xffffffff) {
          compSize = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (localOff === 0xffffffff) localOff = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    p = eEnd + commentLen;
    if (name.endsWith("/")) continue;
    if (buf.readUInt32LE(localOff) !== 0x04034b50) throw new Error("bad zip local header");
    const start = localOff + 30 + buf.readUInt16LE(localOff + 26) + buf.readUInt16LE(localOff + 28);
    const comp = buf.subarray(start, start + compSize);
    if (total + size > MAX_LOG_BYTES) throw new Error("log archive too large");
    // a member's declared size may lie: what it inflates to counts, against what is left of the cap
    let data: Buffer | null;
    try {
      data = method === 0 ? comp : method === 8 ? inflateRawSync(comp, { maxOutputLength: MAX_LOG_BYTES - total }) : null;
    } catch (e) {
      if (e instanceof RangeError) throw new Error("log archive too large");
      throw e;
    }
    if (!data) continue; // unsupported compression method: skipped
    total += data.length;
    if (total > MAX_LOG_BYTES) throw new Error("log archive too large");
    files.push(fileOf(name, data));
  }
  return files;
}
