import { createHash } from "node:crypto";
import type { CloudImage, CloudPlan, CloudRegion } from "@/lib/center/schemas";

// Seed data of the Center simulator: the fleet description, configured cloud
// accounts, static region registry, plans/images per provider, and the people.

export type SimProvider = "aws_lightsail" | "bandwagon" | "alibaba_swas" | "aliyun_swas" | "tencent_lighthouse" | "qcloud_lighthouse" | "ssh_standalone";

/** One live node of the simulated fleet (the node simulator starts these). */
export type FleetNodeSpec = {
  name: string;
  ipv4: string;
  country: string;
  region: string;
  provider: SimProvider;
  /** configured cloud account holding the VPS (absent for ssh_standalone) */
  account?: string;
  /** provider plan/bundle id (sizes the provider traffic allowance) */
  plan?: string;
  ipType?: "residential" | "non_residential" | "unknown";
  /** hint for the node simulator: k2v5 (current) or a legacy layout */
  arch?: "k2v5" | "k2-slave" | "kaitu-slave";
  /** tunnel domain the node declares (default <ip-dashed>.sslip.io) */
  domain?: string;
  /** a private node bound to an active subscription (sub id) */
  privateSubId?: number;
};

export type DecommissionedSpec = { ipv4: string; country: string; region?: string };

export const DEFAULT_FLEET: FleetNodeSpec[] = [
  { name: "jp-tokyo-01", ipv4: "127.0.0.11", country: "JP", region: "jp-tokyo", provider: "aws_lightsail", account: "aws-tokyo", plan: "small_3_2", ipType: "non_residential", arch: "k2v5" },
  { name: "jp-tokyo-02", ipv4: "127.0.0.12", country: "JP", region: "jp-tokyo", provider: "aws_lightsail", account: "aws-tokyo", plan: "micro_3_2", ipType: "non_residential", arch: "k2v5" },
  { name: "sg-singapore-01", ipv4: "127.0.0.13", country: "SG", region: "sg-singapore", provider: "aws_lightsail", account: "aws-global", plan: "medium_3_2", ipType: "non_residential", arch: "k2v5" },
  { name: "us-virginia-01", ipv4: "127.0.0.14", country: "US", region: "us-virginia", provider: "aws_lightsail", account: "aws-global", plan: "small_3_2", ipType: "non_residential", arch: "k2v5" },
  { name: "au-sydney-01", ipv4: "127.0.0.15", country: "AU", region: "au-sydney", provider: "aws_lightsail", account: "aws-global", plan: "micro_3_2", ipType: "non_residential", arch: "k2v5" },
  { name: "us-la-bwh-01", ipv4: "127.0.0.16", country: "US", region: "us-losangeles", provider: "bandwagon", account: "bwh-main", plan: "bwh-cn2gia-1g", ipType: "non_residential", arch: "k2v5" },
  { name: "us-la-bwh-02", ipv4: "127.0.0.17", country: "US", region: "us-losangeles", provider: "bandwagon", account: "bwh-main", plan: "bwh-cn2gia-1g", ipType: "non_residential", arch: "k2-slave" },
  { name: "hk.aliyun.wm01", ipv4: "127.0.0.18", country: "HK", region: "hk-hongkong", provider: "alibaba_swas", account: "aliyun-hk", plan: "swas.s.c2m1s40b30t1", ipType: "non_residential", arch: "k2v5" },
  { name: "hk.aliyun.wm02", ipv4: "127.0.0.19", country: "HK", region: "hk-hongkong", provider: "alibaba_swas", account: "aliyun-hk", plan: "swas.s.c2m1s40b30t1", ipType: "non_residential", arch: "kaitu-slave" },
  { name: "kr-seoul-tx-01", ipv4: "127.0.0.20", country: "KR", region: "kr-seoul", provider: "tencent_lighthouse", account: "tencent-intl", plan: "bundle_starter_nmc_lin_med2_01", ipType: "non_residential", arch: "k2v5" },
  { name: "de-frankfurt-res-01", ipv4: "127.0.0.21", country: "DE", region: "de-frankfurt", provider: "ssh_standalone", ipType: "residential", arch: "k2v5" },
  { name: "pn-1001", ipv4: "127.0.0.22", country: "JP", region: "jp-tokyo", provider: "aws_lightsail", account: "aws-tokyo", plan: "small_3_2", ipType: "non_residential", arch: "k2v5", privateSubId: 1001 },
];

/** Old records the fleet scripts call "decommissioned": zero tunnels, IP as name. */
export const DEFAULT_DECOMMISSIONED: DecommissionedSpec[] = [
  { ipv4: "127.0.0.91", country: "US", region: "us-oregon" },
  { ipv4: "127.0.0.92", country: "SG", region: "sg-singapore" },
];

export function defaultDomain(ipv4: string): string {
  return `${ipv4.replace(/\./g, "-")}.sslip.io`;
}

/**
 * Deterministic node secret the simulator uses when it pre-registers a fleet
 * node (`registerFleet: true`). A node simulator that wants to register the
 * same nodes itself can use the same derivation, or any secret of its own on a
 * fresh (not pre-registered) Center.
 */
export function fleetNodeSecret(ipv4: string, seed = "k2ops-sim"): string {
  return createHash("sha256").update(`${seed}:node-secret:${ipv4}`).digest("hex");
}

// ---- people ------------------------------------------------------------------

export type SeedRole = "admin" | "editor" | "viewer" | "support" | "marketing" | "blocked";

export const SEED_USERS: { role: SeedRole; email: string; isAdmin: boolean; roles: number; blocked?: boolean }[] = [
  { role: "admin", email: "root@sim.kaitu.io", isAdmin: true, roles: 1 },
  { role: "editor", email: "devops-editor@sim.kaitu.io", isAdmin: false, roles: 1 | 32 },
  { role: "viewer", email: "devops-viewer@sim.kaitu.io", isAdmin: false, roles: 1 | 16 },
  { role: "support", email: "support@sim.kaitu.io", isAdmin: false, roles: 1 | 64 },
  { role: "marketing", email: "marketing@sim.kaitu.io", isAdmin: false, roles: 1 | 8 },
  { role: "blocked", email: "blocked-editor@sim.kaitu.io", isAdmin: false, roles: 1 | 32, blocked: true },
];

/** Deterministic per-seed access key: ktu_ + 64 hex. */
export function seedAccessKey(role: string, seed = "k2ops-sim"): string {
  return "ktu_" + createHash("sha256").update(`${seed}:access-key:${role}`).digest("hex");
}

export const GROUPS_BY_ROLE: Record<number, string[]> = {
  16: ["nodes", "tunnels", "cloud", "users", "orders", "device_logs", "feedback_tickets", "stats", "enterprise"],
  32: ["nodes", "nodes.write", "tunnels", "tunnels.write", "cloud", "cloud.write", "users", "orders", "device_logs", "feedback_tickets", "stats", "strategy", "strategy.write", "enterprise", "enterprise.write"],
  64: ["users", "orders", "device_logs", "feedback_tickets", "feedback_tickets.write"],
  8: ["users", "orders", "retailers", "retailers.write", "edm", "campaigns", "campaigns.write", "license_keys", "license_keys.write", "stats", "surveys", "announcements", "announcements.write"],
};

export const SUPER_ADMIN_GROUPS = [
  "nodes", "nodes.write", "tunnels", "tunnels.write", "cloud", "cloud.write", "users", "users.write", "orders", "device_logs",
  "feedback_tickets", "feedback_tickets.write", "stats", "strategy", "strategy.write", "enterprise", "enterprise.write", "retailers",
  "retailers.write", "edm", "campaigns", "campaigns.write", "license_keys", "license_keys.write", "surveys", "announcements",
  "announcements.write", "cms", "admins", "approvals", "wallet", "plans",
];

export function groupsFor(isAdmin: boolean, roles: number): string[] {
  if (isAdmin) return [...SUPER_ADMIN_GROUPS];
  const out: string[] = [];
  for (const bit of [16, 32, 64, 8]) if (roles & bit) for (const g of GROUPS_BY_ROLE[bit]) if (!out.includes(g)) out.push(g);
  return out;
}

// ---- cloud --------------------------------------------------------------------

export type CloudAccountCfg = { name: string; provider: SimProvider; region: string };

export const DEFAULT_ACCOUNTS: CloudAccountCfg[] = [
  { name: "aws-tokyo", provider: "aws_lightsail", region: "ap-northeast-1" },
  { name: "aws-global", provider: "aws_lightsail", region: "" },
  { name: "bwh-main", provider: "bandwagon", region: "" },
  { name: "aliyun-hk", provider: "alibaba_swas", region: "cn-hongkong" },
  { name: "tencent-intl", provider: "tencent_lighthouse", region: "ap-seoul" },
];

type RegionRow = { slug: string; nameEn: string; nameZh: string; country: string; ids: Partial<Record<SimProvider, string>> };

export const REGION_REGISTRY: RegionRow[] = [
  { slug: "us-virginia", nameEn: "US East (Virginia)", nameZh: "美国弗吉尼亚", country: "US", ids: { aws_lightsail: "us-east-1" } },
  { slug: "us-ohio", nameEn: "US East (Ohio)", nameZh: "美国俄亥俄", country: "US", ids: { aws_lightsail: "us-east-2" } },
  { slug: "us-oregon", nameEn: "US West (Oregon)", nameZh: "美国俄勒冈", country: "US", ids: { aws_lightsail: "us-west-2" } },
  { slug: "us-losangeles", nameEn: "US West (Los Angeles)", nameZh: "美国洛杉矶", country: "US", ids: { bandwagon: "USCA_6", tencent_lighthouse: "na-siliconvalley" } },
  { slug: "ca-montreal", nameEn: "Canada (Montreal)", nameZh: "加拿大蒙特利尔", country: "CA", ids: { aws_lightsail: "ca-central-1" } },
  { slug: "eu-frankfurt", nameEn: "Europe (Frankfurt)", nameZh: "德国法兰克福", country: "DE", ids: { aws_lightsail: "eu-central-1", alibaba_swas: "eu-central-1", tencent_lighthouse: "eu-frankfurt" } },
  { slug: "eu-london", nameEn: "Europe (London)", nameZh: "英国伦敦", country: "GB", ids: { aws_lightsail: "eu-west-2", alibaba_swas: "eu-west-1" } },
  { slug: "eu-paris", nameEn: "Europe (Paris)", nameZh: "法国巴黎", country: "FR", ids: { aws_lightsail: "eu-west-3" } },
  { slug: "ap-tokyo", nameEn: "Asia Pacific (Tokyo)", nameZh: "日本东京", country: "JP", ids: { aws_lightsail: "ap-northeast-1", alibaba_swas: "ap-northeast-1", tencent_lighthouse: "ap-tokyo", bandwagon: "JPOS_1" } },
  { slug: "ap-seoul", nameEn: "Asia Pacific (Seoul)", nameZh: "韩国首尔", country: "KR", ids: { aws_lightsail: "ap-northeast-2", tencent_lighthouse: "ap-seoul" } },
  { slug: "ap-singapore", nameEn: "Asia Pacific (Singapore)", nameZh: "新加坡", country: "SG", ids: { aws_lightsail: "ap-southeast-1", alibaba_swas: "ap-southeast-1", tencent_lighthouse: "ap-singapore" } },
  { slug: "ap-sydney", nameEn: "Asia Pacific (Sydney)", nameZh: "澳大利亚悉尼", country: "AU", ids: { aws_lightsail: "ap-southeast-2" } },
  { slug: "ap-mumbai", nameEn: "Asia Pacific (Mumbai)", nameZh: "印度孟买", country: "IN", ids: { aws_lightsail: "ap-south-1", tencent_lighthouse: "ap-mumbai" } },
  { slug: "ap-jakarta", nameEn: "Asia Pacific (Jakarta)", nameZh: "印度尼西亚雅加达", country: "ID", ids: { alibaba_swas: "ap-southeast-5", tencent_lighthouse: "ap-jakarta" } },
  { slug: "cn-hongkong", nameEn: "China (Hong Kong)", nameZh: "中国香港", country: "HK", ids: { alibaba_swas: "cn-hongkong", tencent_lighthouse: "ap-hongkong", bandwagon: "HK_85" } },
];

/**
 * The country a machine in `region` geolocates to (what a sidecar's IP lookup finds):
 * a Center slug (ap-tokyo), a provider region (ap-northeast-1) or zone (ap-northeast-1a).
 * "" when unknown.
 */
export function countryOfRegion(region: string): string {
  const r = lightsailRegionOf(region);
  return REGION_REGISTRY.find((x) => x.slug === r || Object.values(x.ids).includes(r))?.country ?? "";
}

export function staticRegions(provider?: string): CloudRegion[] {
  return REGION_REGISTRY.filter((r) => !provider || r.ids[provider as SimProvider]).map((r) => ({
    slug: r.slug,
    nameEn: r.nameEn,
    nameZh: r.nameZh,
    country: r.country,
    providerId: provider ? (r.ids[provider as SimProvider] ?? "") : "",
    available: true,
  }));
}

const GB = (gb: number) => gb / 1024;

export const PLANS: Partial<Record<SimProvider, (CloudPlan & { transferGb: number })[]>> = {
  aws_lightsail: [
    { id: "nano_3_2", name: "Nano", cpu: 2, memoryMb: 512, storageGb: 20, transferTb: GB(1024), priceMonthly: 5, transferGb: 1024 },
    { id: "micro_3_2", name: "Micro", cpu: 2, memoryMb: 1024, storageGb: 40, transferTb: GB(1024), priceMonthly: 7, transferGb: 1024 },
    { id: "small_3_2", name: "Small", cpu: 2, memoryMb: 2048, storageGb: 60, transferTb: GB(1536), priceMonthly: 12, transferGb: 1536 },
    { id: "medium_3_2", name: "Medium", cpu: 2, memoryMb: 4096, storageGb: 80, transferTb: GB(2048), priceMonthly: 24, transferGb: 2048 },
  ],
  alibaba_swas: [
    { id: "swas.s.c2m1s40b30t1", name: "2 vCPU 1 GiB 30 Mbps", cpu: 2, memoryMb: 1024, storageGb: 40, transferTb: GB(1024), priceMonthly: 5.5, transferGb: 1024 },
    { id: "swas.s.c2m2s50b30t2", name: "2 vCPU 2 GiB 30 Mbps", cpu: 2, memoryMb: 2048, storageGb: 50, transferTb: GB(2048), priceMonthly: 9, transferGb: 2048 },
  ],
  aliyun_swas: [
    { id: "swas.s.c2m2s40b3t1", name: "2核2G 3Mbps", cpu: 2, memoryMb: 2048, storageGb: 40, transferTb: GB(200), priceMonthly: 34, transferGb: 200 },
  ],
  tencent_lighthouse: [
    { id: "bundle_starter_nmc_lin_med2_01", name: "Starter 2C2G", cpu: 2, memoryMb: 2048, storageGb: 50, transferTb: GB(1024), priceMonthly: 10, transferGb: 1024 },
    { id: "bundle_starter_nmc_lin_med4_01", name: "Starter 2C4G", cpu: 2, memoryMb: 4096, storageGb: 60, transferTb: GB(2048), priceMonthly: 16, transferGb: 2048 },
  ],
  qcloud_lighthouse: [
    { id: "bundle2022_gen_01", name: "通用型 2C2G", cpu: 2, memoryMb: 2048, storageGb: 50, transferTb: GB(512), priceMonthly: 60, transferGb: 512 },
  ],
};

export const BANDWAGON_PLANS: Record<string, { transferGb: number }> = { "bwh-cn2gia-1g": { transferGb: 1000 }, "bwh-basic-20g": { transferGb: 1000 } };

export const IMAGES: Partial<Record<SimProvider, CloudImage[]>> = {
  aws_lightsail: [
    { id: "ubuntu_24_04", name: "Ubuntu 24.04 LTS", os: "linux", platform: "LINUX_UNIX", description: "Ubuntu 24.04 LTS (Noble Numbat)" },
    { id: "ubuntu_22_04", name: "Ubuntu 22.04 LTS", os: "linux", platform: "LINUX_UNIX", description: "Ubuntu 22.04 LTS (Jammy Jellyfish)" },
    { id: "ubuntu_20_04", name: "Ubuntu 20.04 LTS", os: "linux", platform: "LINUX_UNIX", description: "Ubuntu 20.04 LTS (Focal Fossa)" },
    { id: "debian_12", name: "Debian 12.8", os: "linux", platform: "LINUX_UNIX", description: "Debian GNU/Linux 12 (bookworm)" },
    { id: "windows_server_2022", name: "Windows Server 2022", os: "windows", platform: "WINDOWS", description: "Windows Server 2022" },
  ],
  alibaba_swas: [
    { id: "ubuntu_22_04_x64_20G_alibase", name: "Ubuntu 22.04", os: "linux", platform: "Ubuntu", description: "Ubuntu 22.04 64-bit" },
    { id: "debian_12_x64_20G_alibase", name: "Debian 12", os: "linux", platform: "Debian", description: "Debian 12 64-bit" },
  ],
  aliyun_swas: [{ id: "ubuntu_22_04_x64_20G_alibase", name: "Ubuntu 22.04", os: "linux", platform: "Ubuntu", description: "Ubuntu 22.04 64位" }],
  tencent_lighthouse: [
    { id: "lhbp-ubuntu-2204", name: "Ubuntu Server 22.04 LTS 64bit", os: "linux", platform: "UBUNTU", description: "PURE_OS Ubuntu 22.04" },
    { id: "lhbp-debian-12", name: "Debian 12.0 64bit", os: "linux", platform: "DEBIAN", description: "PURE_OS Debian 12" },
  ],
  qcloud_lighthouse: [{ id: "lhbp-ubuntu-2204", name: "Ubuntu Server 22.04 LTS 64bit", os: "linux", platform: "UBUNTU", description: "PURE_OS" }],
};

/** Lightsail availability zone a region/AZ value maps to. */
export function lightsailRegionOf(regionOrAz: string): string {
  return /[a-z]$/.test(regionOrAz) && /\d[a-z]$/.test(regionOrAz) ? regionOrAz.slice(0, -1) : regionOrAz;
}
