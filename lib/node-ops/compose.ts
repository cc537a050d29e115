import { sameAcrossBundles } from "@/lib/errors";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// §4 deploy: the canonical docker-compose.yml comes from the operator's
// checkout of their infra repo (K2OPS_DEPLOY_ASSETS_DIR, file
// docker/docker-compose.yml); without it k2ops uses the test assets it ships.
// The file travels to the node on stdin (base64 inside the script), never on a
// command line, and always lands in /apps/k2s (what deploy-compose.sh does).

export const COMPOSE_TARGET = "/apps/k2s/docker-compose.yml";

export class ComposeAssetError extends Error {}
sameAcrossBundles(ComposeAssetError, "ComposeAssetError");

export function deployAssetsDir(env: Record<string, string | undefined> = process.env): { dir: string; configured: boolean } {
  if (env.K2OPS_DEPLOY_ASSETS_DIR) return { dir: path.resolve(env.K2OPS_DEPLOY_ASSETS_DIR), configured: true };
  return { dir: path.resolve(process.cwd(), "deploy-assets"), configured: false };
}

export type CanonicalCompose = { text: string; md5: string; source: string; configured: boolean };

/**
 * Reads and checks the canonical compose: project name k2s, the two services
 * with their fixed container names, and images whose tag is the pinned
 * K2_VERSION from .env (a literal `latest` or an untagged image is refused).
 */
export function loadCanonicalCompose(env: Record<string, string | undefined> = process.env): CanonicalCompose {
  const { dir, configured } = deployAssetsDir(env);
  const source = path.join(dir, "docker", "docker-compose.yml");
  let text: string;
  try {
    text = fs.readFileSync(source, "utf8");
  } catch {
    throw new ComposeAssetError(`No canonical compose at ${source}${configured ? "" : " (set K2OPS_DEPLOY_ASSETS_DIR to your infra checkout)"}.`);
  }
  const problems = composeProblems(text);
  if (problems.length) throw new ComposeAssetError(`The canonical compose at ${source} is not deployable: ${problems.join("; ")}.`);
  return { text, md5: crypto.createHash("md5").update(text).digest("hex"), source, configured };
}

export function composeProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.length > 256 * 1024) problems.push("larger than 256 KiB");
  if (/[\0]/.test(text)) problems.push("contains NUL bytes");
  if (!/^name:\s*["']?k2s["']?\s*$/m.test(text)) problems.push("project name is not `name: k2s`");
  for (const c of ["k2-sidecar", "k2s"]) {
    if (!new RegExp(`^\\s+container_name:\\s*["']?${c}["']?\\s*$`, "m").test(text)) problems.push(`no ${c} container`);
  }
  const images = [...text.matchAll(/^\s+image:\s*["']?([^\s"']+)["']?\s*$/gm)].map((m) => m[1]);
  if (!images.length) problems.push("no images");
  for (const img of images) {
    const tag = /:(\$\{[^}]*\}|[^:/]+)$/.exec(img)?.[1];
    if (!tag) problems.push(`image ${img} has no tag`);
    else if (tag === "latest") problems.push(`image ${img} is unpinned`);
    else if (!/^\$\{K2_VERSION(:-[^}]*)?\}$/.test(tag) && !/^v\d+\.\d+\.\d+(-[0-9a-f]{7,40})?$/.test(tag)) problems.push(`image ${img}: tag must be \${K2_VERSION} or a pinned version`);
  }
  return problems;
}

export type PushOutcome = "UP-TO-DATE" | "UPDATED" | "DEPLOYED";

/**
 * The push as one stdin script (run with sudo). Refuses while the node still
 * runs from /apps/kaitu-slave (the runbook's DIR-migration guard: a `name: k2s`
 * compose there makes the next up -d start empty k2s_* volumes and collide on
 * container names). Compares md5 first, writes atomically, restarts nothing.
 */
export function composePushScript(c: Pick<CanonicalCompose, "text" | "md5">, owner = "ubuntu"): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(owner)) throw new Error("invalid owner");
  const b64 = Buffer.from(c.text, "utf8").toString("base64").replace(/(.{76})/g, "$1\n");
  return [
    "set -euo pipefail",
    // running from the old project, or only the old dir has an .env: not migrated yet
    "project=$(docker inspect -f '{{index .Config.Labels \"com.docker.compose.project\"}}' k2-sidecar 2>/dev/null || true)",
    'if [ "$project" = kaitu-slave ] || { [ ! -e /apps/k2s/.env ] && [ -e /apps/kaitu-slave/.env ]; }; then',
    "  echo 'DIR-MIGRATION GUARD: this node still runs from /apps/kaitu-slave; pushing the name: k2s compose would start empty k2s_* volumes (certificates and metering state lost) and collide on container names. Migrate the directory first.' >&2",
    "  exit 4",
    "fi",
    "new=0; [ -e /apps/k2s ] || new=1",
    "mkdir -p /apps/k2s",
    `chown ${owner}: /apps/k2s`,
    "[ -e /apps/k2s/users ] || { touch /apps/k2s/users; chown " + owner + ": /apps/k2s/users; }",
    `want=${c.md5}`,
    `have=$(md5sum ${COMPOSE_TARGET} 2>/dev/null | awk '{print $1}' || true)`,
    'if [ "$have" = "$want" ]; then echo "k2ops-compose: UP-TO-DATE $want"; exit 0; fi',
    "tmp=$(mktemp /apps/k2s/.docker-compose.yml.k2ops.XXXXXX)",
    "trap 'rm -f \"$tmp\"' EXIT",
    "base64 -d > \"$tmp\" <<'K2OPS_COMPOSE_B64'",
    b64,
    "K2OPS_COMPOSE_B64",
    'got=$(md5sum "$tmp" | awk \'{print $1}\')',
    '[ "$got" = "$want" ] || { echo "transfer corrupted (md5 $got, expected $want)" >&2; exit 5; }',
    'chmod 644 "$tmp"',
    `chown ${owner}: "$tmp"`,
    `mv -f "$tmp" ${COMPOSE_TARGET}`,
    "trap - EXIT",
    'if [ -z "$have" ]; then echo "k2ops-compose: DEPLOYED $want (new deploy dir: $new)"; else echo "k2ops-compose: UPDATED $have -> $want"; fi',
    "",
  ].join("\n");
}

export function parsePushOutcome(stdout: string): PushOutcome | null {
  const m = /^k2ops-compose: (UP-TO-DATE|UPDATED|DEPLOYED)\b/m.exec(stdout);
  return (m?.[1] as PushOutcome | undefined) ?? null;
}
