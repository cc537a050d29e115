import { z } from "zod";

// Wire schemas of the Kaitu Center API (/work/shared/reference/center-api.md).
// The console's client (lib/center/client.ts) parses every response with these,
// and the Center simulator's tests validate the simulator's responses with the
// very same schemas, so both sides are held to one contract.
//
// Objects are non-strict (unknown keys are stripped) so that a newer Center
// adding a field does not break the console; tests use `strictParse()` below to
// assert that the simulator sends no undocumented field.

const int = () => z.number().int();
const unixSeconds = () => z.number().int().nonnegative();

// ---- §1 envelope and pagination -------------------------------------------

export const AccessKeySchema = z.string().regex(/^ktu_[0-9a-f]{64}$/, "access key must be ktu_ + 64 lowercase hex");

/** `{code, message?, data?}`; data is omitted on error, message normally omitted on success. */
export const EnvelopeSchema = z.object({
  code: int(),
  message: z.string().optional(),
  data: z.unknown().optional(),
});
export type Envelope<T = unknown> = { code: number; message?: string; data?: T };

/** A success envelope whose data must match `data`. */
export function successEnvelope<T extends z.ZodType>(data: T) {
  return z.object({ code: z.literal(0), message: z.string().optional(), data });
}

/** An error envelope: code ≠ 0, a message, no data. */
export const ErrorEnvelopeSchema = z.object({
  code: int().refine((c) => c !== 0, "error envelope must have code != 0"),
  message: z.string(),
});

/** SuccessEmpty: `{"code":0,"data":{}}`. */
export const EmptyDataSchema = z.object({});

export const PaginationSchema = z.object({ page: int(), pageSize: int(), total: int().nonnegative() });
export type Pagination = z.infer<typeof PaginationSchema>;

/** Any of the three variants: filled, null ("all items"), or total-only {page:0,pageSize:0}. */
export function listResult<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), pagination: PaginationSchema.nullable() });
}
/** Normal paginated list: pagination filled from the request (page ≥ 1, 1 ≤ pageSize). */
export function pagedList<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    pagination: z.object({ page: int().min(1), pageSize: int().min(1), total: int().nonnegative() }),
  });
}
/** "All items" list (ticket replies, /slave/accelerate-tunnels): pagination null. */
export function allItemsList<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), pagination: z.null() });
}
/** Total-only list (cloud accounts/regions/plans/images): {page:0,pageSize:0,total:N}. */
export function totalOnlyList<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    pagination: z.object({ page: z.literal(0), pageSize: z.literal(0), total: int().nonnegative() }),
  });
}
export type ListResult<T> = { items: T[]; pagination: Pagination | null };

// ---- §1.3 permissions ------------------------------------------------------

export const ROLE = { user: 1, marketing: 8, devopsViewer: 16, devopsEditor: 32, support: 64 } as const;

export const MyPermissionsSchema = z.object({
  is_admin: z.boolean(),
  roles: int().nonnegative(),
  groups: z.array(z.string()),
});
export type MyPermissions = z.infer<typeof MyPermissionsSchema>;

export const AccessKeyIssuedSchema = z.object({ accessKey: AccessKeySchema });

// ---- §2 nodes --------------------------------------------------------------

export const IpTypeSchema = z.enum(["residential", "non_residential", "unknown"]);
export type IpType = z.infer<typeof IpTypeSchema>;

export const AdminNodeTunnelSchema = z.object({
  id: int(),
  name: z.string(),
  domain: z.string(),
  protocol: z.string(), // "k2s" for k2v5, else raw (k2v4, k2wss, k2)
  port: int(),
  serverUrl: z.string().min(1).optional(), // omitted when empty
});
export type AdminNodeTunnel = z.infer<typeof AdminNodeTunnelSchema>;

export const AdminNodeItemSchema = z.object({
  id: int(),
  name: z.string(),
  country: z.string(),
  region: z.string(),
  ipv4: z.string(),
  ipv6: z.string(),
  ipType: IpTypeSchema.optional(),
  class: z.enum(["shared", "private"]),
  privateOwnerUserId: int().optional(),
  updatedAt: unixSeconds(),
  tunnels: z.array(AdminNodeTunnelSchema),
});
export type AdminNodeItem = z.infer<typeof AdminNodeItemSchema>;

export const NodeListSchema = pagedList(AdminNodeItemSchema);

export const NodeUpdateRequestSchema = z.object({
  name: z.string().optional(),
  country: z.string().optional(),
  ipv6: z.string().optional(),
  ipType: z.string().optional(),
  visibleKaitu: z.boolean().optional(),
  visibleOverleap: z.boolean().optional(),
});
export type NodeUpdateRequest = z.infer<typeof NodeUpdateRequestSchema>;

export const DataSlaveNodeSchema = z.object({
  id: int(),
  name: z.string(),
  country: z.string(),
  region: z.string(),
  ipv4: z.string(),
  ipv6: z.string(),
  ipType: z.string().optional(),
  load: z.number(),
  updatedAt: int(),
  trafficUsagePercent: z.number(),
  bandwidthUsagePercent: z.number(),
});
export type DataSlaveNode = z.infer<typeof DataSlaveNodeSchema>;

// ---- §3 tunnels ------------------------------------------------------------

export const DataSlaveTunnelSchema = z.object({
  id: int(),
  domain: z.string(),
  name: z.string(),
  protocol: z.string(),
  port: int(),
  hopPortStart: int(),
  hopPortEnd: int(),
  ipType: z.string().optional(),
  node: DataSlaveNodeSchema,
  recommendScore: z.number(),
  serverUrl: z.string().min(1).optional(),
});
export type DataSlaveTunnel = z.infer<typeof DataSlaveTunnelSchema>;
export const TunnelListSchema = pagedList(DataSlaveTunnelSchema);

export const TunnelUpdateRequestSchema = z.object({
  protocol: z.string().optional(),
  port: int().optional(),
  url: z.string().optional(),
});
export type TunnelUpdateRequest = z.infer<typeof TunnelUpdateRequestSchema>;

// ---- §5 node operations ----------------------------------------------------

export const NodeOperationActionSchema = z.enum(["provision", "change_ip", "stop", "destroy"]);
export const NodeOperationStatusSchema = z.enum(["queued", "claimed", "in_progress", "done", "failed", "canceled"]);
export type NodeOperationAction = z.infer<typeof NodeOperationActionSchema>;
export type NodeOperationStatus = z.infer<typeof NodeOperationStatusSchema>;

/** A string that must hold a JSON object (params/result travel as JSON *strings*). */
export const JsonObjectStringSchema = z.string().refine((s) => {
  try {
    const v = JSON.parse(s);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}, "must be a JSON object encoded as a string");

export const NodeOperationSchema = z.object({
  id: int(),
  createdAt: unixSeconds(),
  updatedAt: unixSeconds(),
  action: NodeOperationActionSchema,
  subId: int(),
  cloudInstanceId: int().nullable(),
  status: NodeOperationStatusSchema,
  holder: z.string(),
  leasedAt: unixSeconds(),
  leaseDeadline: unixSeconds(),
  params: JsonObjectStringSchema,
  result: JsonObjectStringSchema,
  lastError: z.string().min(1).optional(),
  createdBy: z.string(),
  completedAt: unixSeconds(),
});
export type NodeOperation = z.infer<typeof NodeOperationSchema>;
export const NodeOperationListSchema = pagedList(NodeOperationSchema);

/** Decoded `params` of a provision operation. */
export const ProvisionParamsSchema = z.object({
  region: z.string(),
  trafficTotalBytes: z.number().nonnegative(),
  ipType: z.string(),
});
export type ProvisionParams = z.infer<typeof ProvisionParamsSchema>;

/** Decoded `params` of change_ip (lifecycle: {targetRegion?, reason}; admin ops: whatever was posted). */
export const ChangeIpParamsSchema = z.looseObject({ targetRegion: z.string().optional(), reason: z.string().optional() });
/** Decoded `params` of stop / destroy ({"reason": "grace ended" | "suspend ended" | ...}). */
export const StopDestroyParamsSchema = z.looseObject({ reason: z.string().optional() });

export type DecodedOperationParams =
  | { action: "provision"; params: ProvisionParams }
  | { action: "change_ip"; params: z.infer<typeof ChangeIpParamsSchema> }
  | { action: "stop" | "destroy"; params: z.infer<typeof StopDestroyParamsSchema> };

/** Parses an operation's `params` JSON string by action (throws on a malformed string). */
export function decodeOperationParams(op: Pick<NodeOperation, "action" | "params">): DecodedOperationParams {
  const raw: unknown = JSON.parse(op.params);
  switch (op.action) {
    case "provision":
      return { action: "provision", params: ProvisionParamsSchema.parse(raw) };
    case "change_ip":
      return { action: "change_ip", params: ChangeIpParamsSchema.parse(raw) };
    default:
      return { action: op.action, params: StopDestroyParamsSchema.parse(raw) };
  }
}

/** Parses an operation's `result` JSON string (an object; "{}" when empty). */
export function decodeOperationResult(op: Pick<NodeOperation, "result">): Record<string, unknown> {
  const v: unknown = JSON.parse(op.result);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export const CreateNodeOperationRequestSchema = z.object({
  subId: int().positive(),
  action: z.enum(["change_ip", "stop", "destroy"]),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type CreateNodeOperationRequest = z.infer<typeof CreateNodeOperationRequestSchema>;

export const ClaimRequestSchema = z.object({ holder: z.string().optional(), leaseSeconds: int().optional() });
export type ClaimRequest = z.infer<typeof ClaimRequestSchema>;

export const ClaimIdentitySchema = z.object({
  claimToken: z.string(), // 64 hex, or "" once consumed
  centerUrl: z.string(),
  domain: z.string(), // always ""
});
export type ClaimIdentity = z.infer<typeof ClaimIdentitySchema>;

export const ClaimResponseSchema = z.object({ operation: NodeOperationSchema, identity: ClaimIdentitySchema.optional() });
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>;

export const UpdateNodeOperationRequestSchema = z.object({
  status: z.enum(["in_progress", "done", "failed", "canceled"]),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});
export type UpdateNodeOperationRequest = z.infer<typeof UpdateNodeOperationRequestSchema>;

// ---- §6 cloud (snake_case; GiB floats) --------------------------------------

export const CloudProviderSchema = z.enum([
  "aws_lightsail",
  "bandwagon",
  "aliyun_swas",
  "alibaba_swas",
  "tencent_lighthouse",
  "qcloud_lighthouse",
  "ssh_standalone",
]);
export type CloudProvider = z.infer<typeof CloudProviderSchema>;

export const CloudAccountSchema = z.object({ name: z.string(), provider: z.string(), region: z.string() });
export type CloudAccount = z.infer<typeof CloudAccountSchema>;
export const CloudAccountListSchema = totalOnlyList(CloudAccountSchema);

export const CloudRegionSchema = z.object({
  slug: z.string(),
  nameEn: z.string(),
  nameZh: z.string(),
  country: z.string(),
  providerId: z.string(),
  available: z.boolean(),
});
export type CloudRegion = z.infer<typeof CloudRegionSchema>;
export const CloudRegionListSchema = totalOnlyList(CloudRegionSchema);

export const CloudPlanSchema = z.object({
  id: z.string(),
  name: z.string(),
  cpu: int(),
  memoryMb: int(),
  storageGb: int(),
  transferTb: z.number(), // GB / 1024
  priceMonthly: z.number(),
});
export type CloudPlan = z.infer<typeof CloudPlanSchema>;
export const CloudPlanListSchema = totalOnlyList(CloudPlanSchema);

export const CloudImageSchema = z.object({
  id: z.string(),
  name: z.string(),
  os: z.enum(["linux", "windows"]),
  platform: z.string(),
  description: z.string(),
});
export type CloudImage = z.infer<typeof CloudImageSchema>;
export const CloudImageListSchema = totalOnlyList(CloudImageSchema);

export const CloudInstanceSchema = z.object({
  id: int(),
  provider: z.string(),
  account_name: z.string(),
  instance_id: z.string(),
  name: z.string(),
  ip_address: z.string(),
  ipv6_address: z.string().min(1).optional(),
  region: z.string(),
  traffic_used_gb: z.number().nonnegative(),
  traffic_total_gb: z.number().nonnegative(),
  traffic_ratio: z.number().min(0).max(1),
  traffic_reset_at: unixSeconds(),
  expires_at: unixSeconds(),
  time_ratio: z.number().min(0).max(1),
  last_synced_at: unixSeconds(),
  sync_error: z.string().min(1).optional(),
  node_name: z.string().min(1).optional(),
});
export type CloudInstance = z.infer<typeof CloudInstanceSchema>;
export const CloudInstanceListSchema = pagedList(CloudInstanceSchema);

export const CreateCloudInstanceRequestSchema = z.object({
  account_name: z.string().min(1),
  region: z.string().min(1),
  plan: z.string().min(1),
  image_id: z.string().min(1),
  name: z.string().min(1),
});
export type CreateCloudInstanceRequest = z.infer<typeof CreateCloudInstanceRequestSchema>;

export const ChangeIpRequestSchema = z.object({ target_region: z.string().optional() });
export type ChangeIpRequest = z.infer<typeof ChangeIpRequestSchema>;

export const TaskIdSchema = z.object({ task_id: z.string().min(1) });
export type TaskId = z.infer<typeof TaskIdSchema>;

export const TrafficConfigRequestSchema = z.object({ traffic_total_gb: z.number().positive() });
export const TrafficConfigResponseSchema = z.object({ traffic_total_gb: z.number(), message: z.string() });
export type TrafficConfigResponse = z.infer<typeof TrafficConfigResponseSchema>;

// ---- §9 device logs and feedback tickets ------------------------------------

export const DeviceLogSchema = z.object({
  id: int(),
  udid: z.string(),
  userId: int().optional(),
  feedbackId: z.string().optional(),
  s3Key: z.string(),
  logType: z.string(),
  reason: z.string(),
  meta: JsonObjectStringSchema.optional(),
  createdAt: unixSeconds(),
});
export type DeviceLog = z.infer<typeof DeviceLogSchema>;
export const DeviceLogListSchema = pagedList(DeviceLogSchema);

export const TicketStatusSchema = z.enum(["open", "resolved", "closed"]);
export const FeedbackTicketSchema = z.object({
  id: int(),
  feedbackId: z.string(),
  udid: z.string(),
  userId: int().optional(),
  email: z.string(),
  content: z.string(),
  status: TicketStatusSchema,
  resolvedBy: z.string().optional(),
  resolvedAt: unixSeconds().optional(),
  lastReplyAt: unixSeconds().optional(),
  lastReplyBy: z.enum(["user", "admin"]).optional(),
  meta: JsonObjectStringSchema.optional(),
  createdAt: unixSeconds(),
  logCount: int().nonnegative(),
  autoGenerated: z.boolean(),
});
export type FeedbackTicket = z.infer<typeof FeedbackTicketSchema>;
export const FeedbackTicketListSchema = pagedList(FeedbackTicketSchema);

export const TicketReplySchema = z.object({
  id: int(),
  senderType: z.enum(["user", "admin"]),
  senderName: z.string(),
  content: z.string(),
  createdAt: unixSeconds(),
});
export type TicketReply = z.infer<typeof TicketReplySchema>;
export const TicketReplyListSchema = allItemsList(TicketReplySchema);

export const ResolveTicketRequestSchema = z.object({ resolvedBy: z.string().min(1) });
export const ReplyTicketRequestSchema = z.object({ content: z.string().min(1).max(2000), senderName: z.string().optional() });

// ---- §7, §8 slave (node sidecar) API -----------------------------------------

export const SlaveTunnelDeclSchema = z.object({
  domain: z.string().min(1),
  port: int().positive(),
  protocol: z.string().optional(),
  hopPortStart: int().optional(),
  hopPortEnd: int().optional(),
  isTest: z.boolean().optional(),
  hasRelay: z.boolean().optional(),
  hasTunnel: z.boolean().optional(),
  serverUrl: z.string().optional(),
});
export type SlaveTunnelDecl = z.infer<typeof SlaveTunnelDeclSchema>;

export const SlaveNodeUpsertRequestSchema = z.object({
  country: z.string().min(1),
  name: z.string().min(1),
  secretToken: z.string().min(1),
  region: z.string().optional(),
  ipv6: z.string().optional(),
  ipType: z.string().optional(),
  brands: z.array(z.string()).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  privateClaim: z.string().optional(),
  tunnels: z.array(SlaveTunnelDeclSchema).optional(),
});
export type SlaveNodeUpsertRequest = z.infer<typeof SlaveNodeUpsertRequestSchema>;

export const SlaveNodeUpsertTunnelSchema = z.object({
  domain: z.string(),
  protocol: z.string(),
  port: int(),
  hopPortStart: int(),
  hopPortEnd: int(),
  sslCert: z.string(),
  sslKey: z.string(),
  created: z.boolean(),
  hasRelay: z.boolean(),
  hasTunnel: z.boolean(),
});
export const SlaveNodeUpsertResponseSchema = z.object({
  ipv4: z.string(),
  secretToken: z.string(),
  created: z.boolean(),
  tunnels: z.array(SlaveNodeUpsertTunnelSchema).optional(),
});
export type SlaveNodeUpsertResponse = z.infer<typeof SlaveNodeUpsertResponseSchema>;

export const SlaveTunnelUpsertRequestSchema = z.object({
  name: z.string().min(1),
  port: int().positive(),
  protocol: z.string().optional(),
  secretToken: z.string().optional(),
});
export const SlaveTunnelUpsertResponseSchema = z.object({
  tunnelId: int(),
  domain: z.string(),
  secretToken: z.string(),
  sslCert: z.string(),
  sslKey: z.string(),
  created: z.boolean(),
});

export const NodeUsageRequestSchema = z.object({
  epoch_id: int(),
  cumulative_bytes: z.number().int().nonnegative(),
  quota_total_bytes: z.number().int().nonnegative(),
  seq: int(),
  ts: int(),
});
export type NodeUsageRequest = z.infer<typeof NodeUsageRequestSchema>;

export const NodeUsageResponseSchema = z.object({
  next_report_interval: int().positive(),
  authoritative_used_bytes: z.number().int().nonnegative().optional(),
});
export type NodeUsageResponse = z.infer<typeof NodeUsageResponseSchema>;

export const SlaveTunnelHealthSchema = z.object({
  cpuUsage: z.number().optional(),
  memoryUsage: z.number().optional(),
  diskUsage: z.number().optional(),
  networkIn: z.number().optional(),
  networkOut: z.number().optional(),
  connections: z.number().optional(),
  networkSpeedMbps: z.number().optional(),
  bandwidthUpMbps: z.number().optional(),
  bandwidthDownMbps: z.number().optional(),
  networkLatencyMs: z.number().optional(),
  packetLossPercent: z.number().optional(),
  billingCycleEndAt: z.number().optional(),
  monthlyTrafficLimitBytes: z.number().optional(),
  usedTrafficBytes: z.number().optional(),
});
export type SlaveTunnelHealth = z.infer<typeof SlaveTunnelHealthSchema>;
export const StatusReportRequestSchema = z.object({ updatedAt: int(), health: SlaveTunnelHealthSchema });
export const StatusReportResponseSchema = z.object({ success: z.literal(true) });

export const DeviceCheckAuthRequestSchema = z.object({
  udid: z.string().min(1),
  token: z.string().min(1),
  mode: z.enum(["gateway", ""]).optional(),
});
export const DeviceCheckAuthResponseSchema = z.object({ userID: int(), udid: z.string(), serviceExpiredAt: int() });

export const DeviceTrafficRequestSchema = z.object({
  boot_id: z.string(),
  batch_seq: int(),
  ts: int(),
  devices: z.array(z.object({ udid: z.string(), session_id: z.string().optional(), rx: z.number(), tx: z.number() })),
});

export const AccelerateTunnelSchema = z.object({
  domain: z.string(),
  ip: z.string(),
  port: int(),
  protocol: z.string(),
  is_current: z.boolean(),
});
export const AccelerateTunnelListSchema = allItemsList(AccelerateTunnelSchema);

export const ResolveDomainResponseSchema = z.object({
  found: z.boolean(),
  domain: z.string().optional(),
  ip: z.string().optional(),
  port: int().optional(),
  protocol: z.string().optional(),
  is_current: z.boolean().optional(),
});

export const HealthySchema = z.object({ status: z.literal("ok") });

// ---- strict checking (tests) -------------------------------------------------

type AnyDef = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; out?: z.ZodType; schema?: z.ZodType };

/** Paths of keys present in `value` that `schema` does not declare (deep). */
export function undeclaredKeys(schema: z.ZodType, value: unknown, path = "$"): string[] {
  const def = (schema as unknown as { _zod: { def: AnyDef } })._zod.def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
    case "nonoptional":
    case "catch":
      return value === undefined || value === null ? [] : undeclaredKeys(def.innerType!, value, path);
    case "pipe":
      return undeclaredKeys(def.in!, value, path);
    case "array":
      return Array.isArray(value) ? value.flatMap((v, i) => undeclaredKeys(def.element!, v, `${path}[${i}]`)) : [];
    case "union": {
      const opts = def.options ?? [];
      const matching = opts.find((o) => o.safeParse(value).success);
      return matching ? undeclaredKeys(matching, value, path) : [];
    }
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
      const shape = def.shape ?? {};
      const out: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (!(k in shape)) out.push(`${path}.${k}`);
        else out.push(...undeclaredKeys(shape[k], v, `${path}.${k}`));
      }
      return out;
    }
    default:
      return [];
  }
}

/** Parses with `schema` and additionally fails on undeclared keys anywhere. */
export function strictParse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.parse(value);
  const extra = undeclaredKeys(schema, value);
  if (extra.length) throw new Error(`undeclared keys: ${extra.join(", ")}`);
  return parsed;
}
