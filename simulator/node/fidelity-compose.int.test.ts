import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine } from "@/lib/ssh/engine";
import { DEFAULT_REGISTRY_TAGS, PREVIOUS_VERSION, SimFleet, type NodeSpec } from "./fleet";

// Docker and Compose fidelity of the node simulator (issue 11, "Compose and docker"):
// per-service recreation on .env edits (Compose v2 convergence), the environment compose
// passes each container, a registry of known image tags, `docker exec` in an Alpine/busybox
// container root, the config volume as a real named volume (root-only, not /etc/kaitu on the
// host), and k2s's container log with the daemon's timestamps. Real SSH as ubuntu on port 1022.
// Addresses 127.0.73.x and the state dir are this suite's own.

const CURRENT = DEFAULT_REGISTRY_TAGS[0];
const IMG = "public.ecr.aws/d6n9t2r2";
const NODES: Record<string, Partial<NodeSpec> & Pick<NodeSpec, "scenario">> = {
  "127.0.73.11": { scenario: "healthy" }, // per-service recreation (rewrites its .env)
  "127.0.73.12": { scenario: "healthy" }, // container environments
  "127.0.73.13": { scenario: "healthy" }, // registry and images
  "127.0.73.14": { scenario: "healthy" }, // docker exec
  "127.0.73.15": { scenario: "healthy" }, // config volume, k2s logs (file only)
  "127.0.73.16": { scenario: "unmigrated" }, // volumes per project
  "127.0.73.17": { scenario: "healthy", k2sLogsToStderr: true }, // k2s slog mirrored to docker logs
  "127.0.73.18": { scenario: "cut" }, // a paused k2s
  "127.0.73.19": { scenario: "healthy", registryTags: [CURRENT] }, // a node whose registry has one tag
};
const [RECREATE, ENV, REG, EXEC, VOL, MIG, MIRROR, CUT, ONETAG] = Object.keys(NODES);
const secretOf = (i: number) => (i + 1).toString(16).repeat(64).slice(0, 64);
const nameOf = (i: number) => `jp-tokyo.aws.wm${70 + i}`;

const dir = "/tmp/k2ops-test-fidelity-compose";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let ssh: SshEngine;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const specs = Object.entries(NODES).map(([ip, o], i) => ({ ip, name: nameOf(i), country: "JP", region: "jp-tokyo.aws", secret: secretOf(i), centerUrl: center.url, ...o }));
  await fleet.addNodes(specs, 8);
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
}, 120_000);
afterAll(async () => {
  await ssh?.closeAll();
  await fleet?.stop();
  await center?.close();
});

async function run(host: string, command: string, timeoutMs = 30_000) {
  const r = await ssh.exec({ host }, command as never, { timeoutMs });
  return { out: r.stdout, err: r.stderr, code: r.code };
}
/** the progress lines of a compose command (stderr), without the WARN lines */
const progress = (err: string) => err.split("\n").filter((l) => l.startsWith(" "));
const containerLines = (err: string) => progress(err).filter((l) => l.startsWith(" Container "));
const setEnv = (host: string, key: string, value: string) => run(host, `cd /apps/k2s && sed -i '/^${key}=/d' .env && echo '${key}=${value}' >> .env`);
const ids = async (host: string) => ({
  sidecar: (await run(host, "docker inspect -f '{{.Id}}' k2-sidecar")).out.trim(),
  k2s: (await run(host, "docker inspect -f '{{.Id}}' k2s")).out.trim(),
});
const up = (host: string, args = "") => run(host, `cd /apps/k2s && docker compose up -d${args}`, 60_000);

describe("11. compose recreates a service only when ITS resolved configuration changed", () => {
  // Compose v2: convergence in dependency order (Recreate / Running per service), then the start
  // phase (a recreated container starts; k2s waits for the sidecar's health check, depends_on)
  const sidecarOnly = [" Container k2-sidecar  Recreate", " Container k2-sidecar  Recreated", " Container k2s  Running", " Container k2-sidecar  Starting", " Container k2-sidecar  Started", " Container k2-sidecar  Waiting", " Container k2-sidecar  Healthy"];
  const k2sOnly = [" Container k2-sidecar  Running", " Container k2s  Recreate", " Container k2s  Recreated", " Container k2-sidecar  Waiting", " Container k2-sidecar  Healthy", " Container k2s  Starting", " Container k2s  Started"];
  const both = [" Container k2-sidecar  Recreate", " Container k2-sidecar  Recreated", " Container k2s  Recreate", " Container k2s  Recreated", " Container k2-sidecar  Starting", " Container k2-sidecar  Started", " Container k2-sidecar  Waiting", " Container k2-sidecar  Healthy", " Container k2s  Starting", " Container k2s  Started"];
  const nothing = [" Container k2-sidecar  Running", " Container k2s  Running", " Container k2-sidecar  Waiting", " Container k2-sidecar  Healthy"];

  it("nothing changed: both Running, compose still waits for the sidecar healthy", async () => {
    const before = await ids(RECREATE);
    const r = await up(RECREATE);
    expect(r.code).toBe(0);
    expect(containerLines(r.err)).toEqual(nothing);
    expect(await ids(RECREATE)).toEqual(before);
  });

  it("K2_NODE_TRAFFIC_LIMIT_GB (the sidecar's only): k2-sidecar recreated, k2s Running (it was not touched)", async () => {
    const before = await ids(RECREATE);
    await setEnv(RECREATE, "K2_NODE_TRAFFIC_LIMIT_GB", "900");
    const r = await up(RECREATE);
    expect(r.code).toBe(0);
    expect(containerLines(r.err)).toEqual(sidecarOnly);
    const after = await ids(RECREATE);
    expect(after.k2s).toBe(before.k2s);
    expect(after.sidecar).not.toBe(before.sidecar);
    expect((await run(RECREATE, "docker exec k2-sidecar env")).out).toContain("K2_NODE_TRAFFIC_LIMIT_GB=900\n");
  });

  it("K2V5_LOG_LEVEL (k2s's only, as its K2_LOG_LEVEL): k2s recreated, the sidecar Running", async () => {
    const before = await ids(RECREATE);
    await setEnv(RECREATE, "K2V5_LOG_LEVEL", "debug");
    const r = await up(RECREATE);
    expect(containerLines(r.err)).toEqual(k2sOnly);
    const after = await ids(RECREATE);
    expect(after.sidecar).toBe(before.sidecar);
    expect(after.k2s).not.toBe(before.k2s);
    const env: string[] = JSON.parse((await run(RECREATE, "docker inspect --format '{{json .Config.Env}}' k2s")).out);
    expect(env).toContain("K2_LOG_LEVEL=debug");
    expect((await run(RECREATE, "docker exec k2-sidecar env")).out).toContain("K2_LOG_LEVEL=info\n");
  });

  it("K2_NODE_NAME (both get it) and K2_VERSION (both images): both recreated", async () => {
    await setEnv(RECREATE, "K2_NODE_NAME", "jp-tokyo.aws.renamed");
    expect(containerLines((await up(RECREATE)).err)).toEqual(both);
    await setEnv(RECREATE, "K2_VERSION", PREVIOUS_VERSION);
    const r = await up(RECREATE);
    expect(r.code).toBe(0);
    expect(containerLines(r.err)).toEqual(both);
    expect((await run(RECREATE, "docker ps --format '{{.Names}} {{.Image}}'")).out).toBe(`k2s ${IMG}/k2s:${PREVIOUS_VERSION}\nk2-sidecar ${IMG}/k2-sidecar:${PREVIOUS_VERSION}\n`);
  });

  it("a variable no service uses: nothing recreated", async () => {
    const before = await ids(RECREATE);
    await setEnv(RECREATE, "K2_SOMETHING_UNUSED", "1");
    const r = await up(RECREATE);
    expect(containerLines(r.err)).toEqual(nothing);
    expect(await ids(RECREATE)).toEqual(before);
  });

  it("the list form of environment (`- KEY=${VAR:-d}`, as the real compose file) resolves to the same configuration", async () => {
    const before = await ids(RECREATE);
    const file = fleet.node(RECREATE).hostPath("/apps/k2s/docker-compose.yml");
    const listForm = fs.readFileSync(file, "utf8").replace(/^ {6}([A-Z][A-Z0-9_]*): (.*)$/gm, "      - $1=$2");
    expect(listForm).toContain("      - K2_NODE_SECRET=${K2_NODE_SECRET}\n");
    fs.writeFileSync(file, listForm);
    expect(containerLines((await up(RECREATE)).err)).toEqual(nothing);
    expect(await ids(RECREATE)).toEqual(before);
    await setEnv(RECREATE, "K2_NODE_TRAFFIC_LIMIT_GB", "800");
    expect(containerLines((await up(RECREATE)).err)).toEqual(sidecarOnly);
  });

  it("up -d on a cut node (k2s paused): Compose cannot start a paused container and fails", async () => {
    const r = await run(CUT, "cd /apps/k2s && docker compose up -d", 60_000);
    expect(r.code).toBe(1);
    expect(progress(r.err)).toEqual([" Container k2-sidecar  Running", " Container k2s  Restart"]);
    expect(r.err.trimEnd().split("\n").at(-1)).toBe("Error response from daemon: cannot start a paused container, try unpause instead");
    expect((await run(CUT, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("true\n");
    // only the sidecar: the paused k2s is not part of the run
    expect((await run(CUT, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
  });
});

describe("12. a container's environment is what compose passes that service (+ the image's and the exec's own)", () => {
  it("docker exec k2-sidecar env: PATH and HOSTNAME, the sidecar's 22 compose entries with their defaults, HOME", async () => {
    const i = Object.keys(NODES).indexOf(ENV);
    const lines = (await run(ENV, "docker exec k2-sidecar env")).out.trimEnd().split("\n");
    const short = (await run(ENV, "docker ps --format '{{.ID}} {{.Names}}'")).out.match(/^(\w+) k2-sidecar$/m)![1];
    expect(lines.slice(0, 2)).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `HOSTNAME=${short}`]);
    expect(lines.at(-1)).toBe("HOME=/root");
    const compose = [
      "TZ=Asia/Singapore",
      `K2_NODE_SECRET=${secretOf(i)}`,
      "K2_PRIVATE_CLAIM=",
      `K2_CENTER_URL=${center.url}`,
      "K2_DOMAIN=",
      `K2_NODE_NAME=${nameOf(i)}`,
      "K2_NODE_REGION=jp-tokyo.aws",
      "K2_NODE_BRANDS=",
      "K2_IP_TYPE=non_residential",
      "K2_LOG_LEVEL=info",
      "REPORT_INTERVAL=120s",
      "K2_NODE_BILLING_START_DATE=2026-01-01",
      "K2_NODE_TRAFFIC_LIMIT_GB=1000",
      "K2_NODE_TRAFFIC_USED_GB=0",
      "K2_NODE_TRAFFIC_BILLING_MODE=sum",
      "K2_TEST_NODE=false",
      "K2_HAS_RELAY=false",
      "K2_JUMP_PORT_MIN=40000",
      "K2_JUMP_PORT_MAX=40019",
      "K2_NODE_ARCH=k2v5",
      "K2_CUTOFF_POLL_INTERVAL=5s",
      "K2_ENFORCE_AUTH=0",
    ];
    // the order of a container's Config.Env is compose's map order (not the file's): compared as a set
    expect(lines.slice(2, -1).sort()).toEqual([...compose].sort());
    expect(lines.some((l) => l.startsWith("K2_VERSION="))).toBe(false); // .env only: compose passes it to no container
  });

  it("docker inspect .Config.Env of k2s: its 7 entries (K2_USAGE_REPORT_URL, K2_LOG_LEVEL from K2V5_LOG_LEVEL) and the image's PATH last", async () => {
    const i = Object.keys(NODES).indexOf(ENV);
    const env: string[] = JSON.parse((await run(ENV, "docker inspect --format '{{json .Config.Env}}' k2s")).out);
    expect(env.at(-1)).toBe("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env.slice(0, -1).sort()).toEqual(
      ["TZ=Asia/Singapore", "K2_LOG_LEVEL=info", `K2_USAGE_REPORT_URL=${center.url}`, `K2_NODE_SECRET=${secretOf(i)}`, "K2_ENFORCE_AUTH=0", "K2_SLACK_WEBHOOK_URL=", `K2_NODE_NAME=${nameOf(i)}`].sort(),
    );
    const full = JSON.parse((await run(ENV, "docker inspect k2s")).out)[0];
    expect(full.Config.Env).toEqual(env);
    expect(full.Id).toMatch(/^[0-9a-f]{64}$/);
    expect((await run(ENV, `docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' k2s`)).out).toBe(env.join("\n") + "\n\n");
  });

  it("the caller's environment wins over .env (sudo or not), as compose interpolates with os.Environ first", async () => {
    expect((await run(ENV, "cd /apps/k2s && K2_NODE_REGION=jp-osaka.aws docker compose up -d", 60_000)).code).toBe(0);
    expect((await run(ENV, "docker exec k2-sidecar env")).out).toContain("K2_NODE_REGION=jp-osaka.aws\n");
    expect((await run(ENV, "cd /apps/k2s && sudo K2_NODE_REGION=jp-kyoto.aws docker compose up -d", 60_000)).code).toBe(0);
    expect((await run(ENV, "docker exec k2-sidecar env")).out).toContain("K2_NODE_REGION=jp-kyoto.aws\n");
  });
});

describe("13. a registry of known tags: unknown tags fail to pull as Compose reports it; pulled images are local", () => {
  const images = async (host: string) => (await run(host, "docker images --format '{{.Repository}}:{{.Tag}}'")).out.trimEnd().split("\n").sort();

  it("the node has its release's images (provisioning pulled them), nothing else", async () => {
    expect(await images(REG)).toEqual([`${IMG}/k2-sidecar:${CURRENT}`, `${IMG}/k2s:${CURRENT}`]);
    expect((await run(REG, "docker images")).out).toMatch(new RegExp(`^REPOSITORY\\s{3,}TAG\\s{3,}IMAGE ID\\s{3,}CREATED\\s{3,}SIZE\\n.*k2-sidecar\\s+${CURRENT}\\s+[0-9a-f]{12}\\s+\\d+ weeks ago\\s+38\\.4MB\\n`, "m"));
  });

  it("an unknown tag: compose pull and up -d fail with the registry's manifest error; the stack is untouched", async () => {
    const before = await ids(REG);
    await setEnv(REG, "K2_VERSION", "v0.0.0-doesnotexist");
    const manifest = (r: string) => `manifest for ${IMG}/${r}:v0.0.0-doesnotexist not found: manifest unknown: Requested image not found`;
    const pull = await run(REG, "cd /apps/k2s && docker compose pull");
    expect(pull).toMatchObject({ out: "", code: 1 });
    expect(pull.err).toBe([" k2-sidecar Pulling ", " k2s Pulling ", ` k2-sidecar Error ${manifest("k2-sidecar")}`, ` k2s Error ${manifest("k2s")}`, `Error response from daemon: ${manifest("k2-sidecar")}`].join("\n") + "\n");
    // up -d would pull what is not local: the same failure, before any container is touched
    const u = await up(REG);
    expect(u.code).toBe(1);
    expect(u.err).not.toContain("Container");
    expect(u.err.trimEnd().split("\n").at(-1)).toBe(`Error response from daemon: ${manifest("k2-sidecar")}`);
    expect(await ids(REG)).toEqual(before);
    expect((await run(REG, "docker inspect -f '{{.State.Status}} {{.Config.Image}}' k2s")).out).toBe(`running ${IMG}/k2s:${CURRENT}\n`);
  });

  it("a known release: pull -q prints the status lines (Compose ≥ 2.32), docker images lists it, up -d uses it without pulling again", async () => {
    await setEnv(REG, "K2_VERSION", PREVIOUS_VERSION);
    const pull = await run(REG, "cd /apps/k2s && docker compose pull -q");
    expect(pull.code).toBe(0);
    expect(progress(pull.err).sort()).toEqual([" k2-sidecar Pulled ", " k2-sidecar Pulling ", " k2s Pulled ", " k2s Pulling "]);
    expect(await images(REG)).toEqual([`${IMG}/k2-sidecar:${PREVIOUS_VERSION}`, `${IMG}/k2-sidecar:${CURRENT}`, `${IMG}/k2s:${PREVIOUS_VERSION}`, `${IMG}/k2s:${CURRENT}`].sort());
    const u = await up(REG);
    expect(u.code).toBe(0);
    expect(u.err).not.toContain("Pulling");
    expect((await run(REG, "docker inspect -f '{{.Config.Image}}' k2-sidecar")).out).toBe(`${IMG}/k2-sidecar:${PREVIOUS_VERSION}\n`);
    // the revert: the release it ran is still local
    await setEnv(REG, "K2_VERSION", CURRENT);
    const back = await up(REG);
    expect(back.err).not.toContain("Pulling");
    expect(containerLines(back.err)).toContain(" Container k2s  Recreated");
  });

  it("up -d of a tag never pulled pulls it first (layers, then Pulled) — once the registry has it", async () => {
    const next = "v0.4.9-0a1b2c3d";
    await setEnv(REG, "K2_VERSION", next);
    expect((await up(REG)).code).toBe(1); // not published yet
    fleet.setRegistryTags([next, ...DEFAULT_REGISTRY_TAGS], REG);
    const u = await up(REG);
    expect(u.code).toBe(0);
    const p = progress(u.err);
    expect(p.slice(0, 2)).toEqual([" k2-sidecar Pulling ", " k2s Pulling "]);
    expect(p).toContain(" c6a83fedfae6 Already exists "); // the Alpine base layer both images share
    expect(p.some((l) => / [0-9a-f]{12} Pull complete $/.test(l))).toBe(true);
    expect(p.indexOf(" k2s Pulled ")).toBeLessThan(p.indexOf(" Container k2-sidecar  Recreate"));
    expect(await images(REG)).toContain(`${IMG}/k2s:${next}`);
    // withdrawn from the registry: the local image still runs, a pull fails
    fleet.setRegistryTags([CURRENT], REG);
    expect(containerLines((await up(REG)).err)).toEqual([" Container k2-sidecar  Running", " Container k2s  Running", " Container k2-sidecar  Waiting", " Container k2-sidecar  Healthy"]);
    expect((await run(REG, "cd /apps/k2s && docker compose pull")).code).toBe(1);
  });

  it("a bad release (Fault.unhealthyTag): its sidecar never gets healthy; reverting to the release before heals the node", async () => {
    fleet.setRegistryTags(DEFAULT_REGISTRY_TAGS, REG);
    await fleet.setFault(REG, { unhealthyTag: PREVIOUS_VERSION });
    try {
      await setEnv(REG, "K2_VERSION", PREVIOUS_VERSION);
      const bad = await up(REG);
      expect(bad.code).toBe(1);
      expect(bad.err.trimEnd().split("\n").slice(-2)).toEqual([" Container k2-sidecar  Error", "dependency failed to start: container k2-sidecar is unhealthy"]);
      expect((await run(REG, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out).toBe("unhealthy\n");
      await setEnv(REG, "K2_VERSION", CURRENT);
      expect((await up(REG)).code).toBe(0);
      expect((await run(REG, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out).toBe("healthy\n");
    } finally {
      await fleet.setFault(REG, {});
    }
  });

  it("a node's own registry (NodeSpec.registryTags): the previous release is unknown there", async () => {
    await setEnv(ONETAG, "K2_VERSION", PREVIOUS_VERSION);
    const r = await run(ONETAG, "cd /apps/k2s && docker compose pull");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Error response from daemon: manifest for ${IMG}/k2-sidecar:${PREVIOUS_VERSION} not found: manifest unknown: Requested image not found`);
    expect(fleet.node(ONETAG).registryTags()).toEqual([CURRENT, "latest"]);
  });
});

describe("14. docker exec runs in the container: Alpine + busybox, its mounts, its own files", () => {
  it("no bash in Alpine: the OCI error on stdout, exit 127", async () => {
    expect(await run(EXEC, "docker exec k2-sidecar bash -c 'echo hi'")).toEqual({ out: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown\r\n', err: "", code: 127 });
    expect((await run(EXEC, "docker exec k2-sidecar /bin/bash")).out).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/bash": stat /bin/bash: no such file or directory: unknown\r\n');
  });

  it("sh -c with busybox's tools; the working dir /app; root; /etc/kaitu is the config volume", async () => {
    const r = await run(EXEC, `docker exec k2-sidecar sh -c 'cat /etc/alpine-release; readlink /bin/sh; command -v wget; pwd; id -u; ls /etc/kaitu; test -f /etc/kaitu/.ready && echo ready'`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^3\.20\.\d+\n\/bin\/busybox\n\/usr\/bin\/wget\n\/app\n0\ncerts\nk2v5-config\.yaml\ntraffic\.state\nready\n$/);
    expect(await run(EXEC, "docker exec k2-sidecar ls /etc/nope")).toMatchObject({ out: "", err: "ls: /etc/nope: No such file or directory\n", code: 1 });
    expect(await run(EXEC, "docker exec k2-sidecar cat /etc/kaitu/nope")).toMatchObject({ err: "cat: can't open '/etc/kaitu/nope': No such file or directory\n", code: 1 });
    expect((await run(EXEC, "docker exec k2-sidecar head -n 1 /etc/kaitu/k2v5-config.yaml")).out).toBe('listen: ":443"\n');
    expect((await run(EXEC, "docker exec k2-sidecar grep -c users_file /etc/kaitu/k2v5-config.yaml")).out).toBe("1\n");
  });

  it("busybox wget inside sh answers as the node's container network does", async () => {
    expect((await run(EXEC, `docker exec k2-sidecar sh -c 'wget -qO- https://api.ipify.org; echo; wget -qO- https://example.com'`)).out).toBe(`${EXEC}\n`);
    expect((await run(EXEC, `docker exec k2-sidecar sh -c 'wget -qO- https://example.com'`)).err).toBe("wget: bad address 'example.com'\n");
    expect((await run(EXEC, "docker exec k2-sidecar curl -s https://api.ipify.org")).out).toBe(EXEC);
    expect((await run(EXEC, "docker exec k2s curl -s https://api.ipify.org")).code).toBe(127); // k2s's image has no curl
  });

  it("/tmp/sidecar-config.yaml: the entrypoint's rendering of the container's env (with the secret), inside the container only", async () => {
    const i = Object.keys(NODES).indexOf(EXEC);
    const y = (await run(EXEC, "sudo docker exec k2-sidecar cat /tmp/sidecar-config.yaml")).out;
    expect(y).toContain(`  base_url: "${center.url}"\n  timeout: "10s"\n  secret: "${secretOf(i)}"\n`);
    expect(y).toContain('  report_interval: "120s"\n  billing_start_date: "2026-01-01"\n  traffic_limit_gb: 1000\n  traffic_used_gb: 0\n  traffic_billing_mode: "sum"\n');
    expect(y).toContain('config_dir: "/etc/kaitu"\n');
    // not on the host; the container roots are dockerd's (root only)
    expect((await run(EXEC, "test -e /tmp/sidecar-config.yaml")).code).toBe(1);
    expect(await run(EXEC, "ls /var/lib/docker/overlay2")).toMatchObject({ err: expect.stringContaining("Permission denied"), code: 2 });
  });

  it("mounts as compose declares them: /etc/k2v5 read-only for the sidecar, /etc/kaitu read-only for k2s, the volume shared", async () => {
    expect(await run(EXEC, "docker exec k2-sidecar touch /etc/k2v5/x")).toMatchObject({ err: "touch: /etc/k2v5/x: Read-only file system\n", code: 1 });
    expect(await run(EXEC, "docker exec k2s touch /etc/kaitu/x")).toMatchObject({ err: "touch: /etc/kaitu/x: Read-only file system\n", code: 1 });
    expect((await run(EXEC, "docker exec k2-sidecar touch /etc/kaitu/probe && docker exec k2s ls /etc/kaitu/probe && docker exec k2-sidecar rm /etc/kaitu/probe")).out).toBe("/etc/kaitu/probe\n");
    expect((await run(EXEC, "docker exec k2s sh -c 'pwd; ls /var/log/kaitu'")).out).toBe("/app\nk2s.log\n");
  });

  it("stdin reaches the process only with -i", async () => {
    expect((await run(EXEC, "echo hi | docker exec k2-sidecar cat")).out).toBe("");
    expect((await run(EXEC, "echo hi | docker exec -i k2-sidecar cat")).out).toBe("hi\n");
    expect((await run(EXEC, "docker exec -e X=1 -w /etc k2-sidecar sh -c 'echo $X; pwd'")).out).toBe("1\n/etc\n");
  });
});

describe("15. the config volume is a named volume under /var/lib/docker (root only), not /etc/kaitu on the host", () => {
  const data = "/var/lib/docker/volumes/k2s_config/_data";

  it("the host has no /etc/kaitu config; ubuntu cannot read the volume; root and the container can", async () => {
    expect((await run(VOL, "test -e /etc/kaitu/.ready")).code).toBe(1);
    expect(await run(VOL, `cat ${data}/.ready`)).toMatchObject({ out: "", err: expect.stringContaining("Permission denied"), code: 1 });
    expect((await run(VOL, `sudo cat ${data}/.ready`)).out).toMatch(/^\d{10}$/);
    expect((await run(VOL, `sudo ls ${data}/certs`)).out).toContain("server-cert.pem\n");
    expect((await run(VOL, "docker volume inspect -f '{{.Mountpoint}}' k2s_config")).out).toBe(`${data}\n`);
    const inContainer = (await run(VOL, "sudo docker exec k2-sidecar cat /etc/kaitu/k2v5-config.yaml")).out;
    expect((await run(VOL, `sudo cat ${data}/k2v5-config.yaml`)).out).toBe(inContainer);
    // the simulator's own view follows: /etc/kaitu/… of a node = its sidecar's config volume
    expect(fleet.node(VOL).readFile("/etc/kaitu/k2v5-config.yaml")).toBe(inContainer);
    expect(fleet.node(VOL).hostPath("/etc/kaitu/traffic.state")).toBe(fleet.node(VOL).hostPath(`${data}/traffic.state`));
  });

  it("each project has its own volumes: a migration keeps the old project's content, a volume in use cannot be removed", async () => {
    const old = "/var/lib/docker/volumes/kaitu-slave_config/_data";
    expect((await run(MIG, `sudo cat ${old}/traffic.state`)).out).toMatch(/^\{"billing_cycle_end_at":/);
    expect(await run(MIG, "docker volume rm kaitu-slave_config")).toMatchObject({ err: expect.stringMatching(/^Error response from daemon: remove kaitu-slave_config: volume is in use - \[[0-9a-f]{64} [0-9a-f]{64}\]\n$/), code: 1 });
    // the design's cutover: /apps/k2s prepared, the old project down, the new one up
    const prep = await run(MIG, "sudo mkdir -p /apps/k2s && sudo chown ubuntu: /apps/k2s && cd /apps/kaitu-slave && cp .env users /apps/k2s/ && sed 's/^name: kaitu-slave$/name: k2s/' docker-compose.yml > /apps/k2s/docker-compose.yml");
    expect(prep.code).toBe(0);
    // (the console's guardrails allow this one down only to the migration itself: run on the node directly)
    expect((await fleet.node(MIG).inNode("cd /apps/kaitu-slave && docker compose down", "ubuntu")).code).toBe(0);
    const oldState = (await run(MIG, `sudo cat ${old}/traffic.state`)).out;
    expect(oldState).toMatch(/^\{"billing_cycle_end_at":/);
    const u = await run(MIG, "cd /apps/k2s && docker compose up -d", 60_000);
    expect(u.code).toBe(0);
    expect(progress(u.err).slice(0, 6)).toEqual([" Network k2s_k2-internal  Creating", " Network k2s_k2-internal  Created", ' Volume "k2s_config"  Creating', ' Volume "k2s_config"  Created', ' Volume "k2s_k2v5-data"  Creating', ' Volume "k2s_k2v5-data"  Created']);
    expect((await run(MIG, "docker volume ls --format '{{.Name}}'")).out).toBe("k2s_config\nk2s_k2v5-data\nkaitu-slave_config\nkaitu-slave_k2v5-data\n");
    // the old volume kept its content; the new one is the sidecar's now, registered afresh
    expect((await run(MIG, `sudo cat ${old}/traffic.state`)).out).toBe(oldState);
    expect((await run(MIG, "sudo ls /var/lib/docker/volumes/k2s_config/_data/certs")).out).toContain("server-cert.pem\n");
    expect(fleet.node(MIG).hostPath("/etc/kaitu/.ready")).toContain("/volumes/k2s_config/_data/");
    expect((await run(MIG, "docker volume rm kaitu-slave_config kaitu-slave_k2v5-data")).out).toBe("kaitu-slave_config\nkaitu-slave_k2v5-data\n");
    expect((await run(MIG, `sudo test -e ${old}`)).code).toBe(1);
  });
});

describe("16. k2s's container log has the daemon's timestamps; its auth summaries exist", () => {
  it("docker logs --since / --until / -t apply to k2s (its entrypoint ran two days ago)", async () => {
    expect(await run(VOL, "docker logs --since 1m k2s")).toMatchObject({ out: "", code: 0 });
    expect((await run(VOL, "docker logs --since 72h k2s")).out.trimEnd().split("\n")).toHaveLength(4);
    expect((await run(VOL, "docker logs --until 1m k2s")).out.trimEnd().split("\n")).toHaveLength(4);
    const t = (await run(VOL, "docker logs -t --tail 1 k2s")).out;
    expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[INFO\] Starting k2s with config: \/etc\/kaitu\/k2v5-config\.yaml\n$/);
    expect(Date.now() - Date.parse(t.split(" ")[0])).toBeGreaterThan(2 * 86400_000 - 120_000);
  });

  it("k2s writes `DIAG: auth-rollout` every 5 (simulated) minutes to its log file, UTC slog; docker logs k2s has none by default", async () => {
    const grep = () => run(VOL, "grep 'DIAG: auth-rollout' /apps/k2s/logs/k2s.log | tail -n 1").then((r) => r.out);
    await expect.poll(grep, { timeout: 30_000, interval: 1_000 }).toMatch(/^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=INFO msg="DIAG: auth-rollout" total=\d+ authed=\d+ cookie_hit=\d+ cold=\d+ unauthed=\d+ legacy_no_metadata=\d+\n$/);
    expect(await run(VOL, "sudo docker logs --since 24h k2s 2>&1 | grep 'DIAG: auth-rollout'")).toMatchObject({ out: "", code: 1 });
  });

  it("with k2s's slog mirrored to stderr (NodeSpec.k2sLogsToStderr), auth-rollout-report.sh's read finds them and --since filters them", async () => {
    const sum = `awk '{for(i=1;i<=NF;i++){if(split($i,kv,"=")==2 && kv[1] ~ /^(total|authed)$/) s[kv[1]]+=kv[2]}} END{printf "total=%d authed=%d\\n", s["total"], s["authed"]}'`;
    const report = () => run(MIRROR, `sudo docker logs --since 24h k2s 2>&1 | grep 'DIAG: auth-rollout' | ${sum}`).then((r) => r.out);
    await expect.poll(report, { timeout: 30_000, interval: 1_000 }).toMatch(/^total=[1-9]\d* authed=[1-9]\d*\n$/);
    // the summaries are stderr lines (slog): a grep without 2>&1 sees none
    expect((await run(MIRROR, "docker logs k2s | grep -c 'DIAG: auth-rollout'")).out).toBe("0\n");
    expect((await run(MIRROR, `docker logs --since ${new Date(Date.now() + 60_000).toISOString()} k2s 2>&1 | grep -c 'DIAG: auth-rollout'`)).out).toBe("0\n");
    const lines = (await run(MIRROR, "docker logs -t k2s 2>&1 | grep 'DIAG: auth-rollout'")).out.trimEnd().split("\n");
    // the daemon's time of each entry is the line's own slog time
    for (const l of lines) expect(l.slice(0, 23)).toBe(l.match(/time=(\S+)Z/)![1]);
  });

  it("docker logs -f k2s: a follower that touches nothing else sees the next summary arrive", async () => {
    // one summary every 25 s at the default time scale; the follower alone advances the node
    const r = await run(MIRROR, "timeout 29 docker logs -f --tail 0 k2s 2>&1; true", 40_000);
    expect(r.out).toMatch(/^time=\S+Z level=INFO msg="DIAG: auth-rollout" total=\d+/m);
  });
});
