import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The simulator's reading of /apps/k2s/.env (shims/_dotenv.sh) against Docker
// Compose v2's rules (compose-go dotenv/parser.go + template/template.go): the
// values a container gets for what the operator typed. Run in bash directly,
// no node needed; each case is one bash process with a fixed environment.

const LIB = path.join(import.meta.dirname, "shims/_dotenv.sh");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-dotenv-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Parsed = { env: Record<string, string>; warn: string[]; err: string; rc: number };
let n = 0;
// a minimal environment for bash (the type wants NODE_ENV, which bash does not need)
const bareEnv = (e: Record<string, string>) => e as unknown as NodeJS.ProcessEnv;

function parse(file: string, procEnv: Record<string, string> = {}): Parsed {
  const f = path.join(tmp, `env${n++}`);
  fs.writeFileSync(f, file);
  const script = `. "$1"; dotenv_parse "$2"; rc=$?; dotenv_json; printf '%s\\n' "$rc" "$DOTENV_ERR"; printf '%s\\0' "\${DOTENV_WARN[@]}"`;
  const r = spawnSync("bash", ["--norc", "-c", script, "bash", LIB, f], { env: bareEnv({ PATH: "/usr/bin:/bin", ...procEnv }), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  expect(r.stderr).toBe("");
  const [json, rc, err, ...rest] = r.stdout.split("\n");
  return { env: JSON.parse(json), rc: Number(rc), err, warn: rest.join("\n").split("\0").filter(Boolean) };
}

const SECRET = "c".repeat(64);

describe("compose .env: values (table)", () => {
  // [what the operator typed, what compose hands on, variables it warns about]
  const cases: [string, string, Record<string, string>, string[]?][] = [
    ["${VAR} in an unquoted value expands (the finding)", `K2_NODE_SECRET=${SECRET}\nK2_CENTER_URL=http://x/\${K2_NODE_SECRET}\n`, { K2_NODE_SECRET: SECRET, K2_CENTER_URL: `http://x/${SECRET}` }],
    ["$VAR expands too", `S=abc\nU=http://x/$S/y\n`, { S: "abc", U: "http://x/abc/y" }],
    ["single quotes: literal", `S=abc\nU='http://x/\${S} $S'\n`, { S: "abc", U: "http://x/${S} $S" }],
    ["double quotes: expanded", `S=abc\nU="http://x/\${S}"\n`, { S: "abc", U: "http://x/abc" }],
    ["a later definition is not seen", `U=\${S}\nS=abc\n`, { U: "", S: "abc" }, ["S"]],
    ["unset: blank + warning", `U=a\${NOPE}b$NOPE2\n`, { U: "ab" }, ["NOPE", "NOPE2"]],
    ["' #' starts a comment", "A=a #b\n", { A: "a" }],
    ["'#' without a space before it is kept", "A=a#b\n", { A: "a#b" }],
    ["a tab before # is not a comment", "A=a\t#b\n", { A: "a\t#b" }],
    ["the first ' #' cuts, trailing blanks trimmed", "A=a  #b  #c  \n", { A: "a" }],
    ["a value that starts with # is kept (no space before it)", "A= # c\n", { A: "# c" }],
    ["surrounding whitespace trimmed", "A =   spaced out   \n", { A: "spaced out" }],
    ["quotes stripped", `A="x y"\nB='x y'\n`, { A: "x y", B: "x y" }],
    ['\\" inside double quotes', 'A="a\\"b"\n', { A: 'a"b' }],
    ["double-quote escapes", 'A="l1\\nl2\\tt\\\\b"\n', { A: "l1\nl2\tt\\b" }],
    ["single quotes keep backslashes, \\' unescaped", "A='a\\nb\\'c'\n", { A: "a\\nb'c" }],
    ["unquoted backslashes are literal", "A=a\\nb\n", { A: "a\\nb" }],
    ["a quote inside an unquoted value is literal", `A=x"y"\n`, { A: 'x"y"' }],
    ["$$ is a literal $", "A=pa$$word\n", { A: "pa$word" }],
    ["\\$ in double quotes is a literal $", 'S=abc\nA="\\$S $S"\n', { S: "abc", A: "$S abc" }],
    ["$$ in single quotes stays $$", "A='pa$$word'\n", { A: "pa$$word" }],
    ["a lone $ stays", "A=$ $1 $-x cost$\n", { A: "$ $1 $-x cost$" }],
    ["double quotes span lines", 'A="l1\nl2"\nB=2\n', { A: "l1\nl2", B: "2" }],
    ["single quotes span lines", "A='l1\nl2'\n", { A: "l1\nl2" }],
    ["comment after a quoted value", 'A="x" # note\n', { A: "x" }],
    ["parsing resumes after a closing quote", 'A="x" B=1\n', { A: "x", B: "1" }],
    ["export prefix", "export A=1\nexport   B='2'\n", { A: "1", B: "2" }],
    ["yaml-ish KEY: value", "A: 1\nB:2\n", { A: "1", B: "2" }],
    ["VAR= is empty, not unset", "A=\nB=${A-unset}|${A:-empty}\n", { A: "", B: "|empty" }],
    ["comments and blank lines", "# c\n\n   # c2\nA=1\n", { A: "1" }],
    ["CRLF line ends", "A=1\r\nB='2'\r\n", { A: "1", B: "2" }],
    ["UTF-8 BOM skipped", "\uFEFFA=1\n", { A: "1" }],
    ["the last definition wins", "A=1\nA=2\n", { A: "2" }],
    ["key characters . - [ ]", "a.b[1]-c=1\n", { "a.b[1]-c": "1" }],
    ["\\0ooo octal escape", 'A="\\0101\\012\\x"\n', { A: "A\\012\\x" }],
    ["${VAR:-default}", "E=\nA=${NOPE:-d1}|${E:-d2}|${S:-d3}\nS=s\nB=${S:-d4}\n", { E: "", A: "d1|d2|d3", S: "s", B: "s" }],
    ["${VAR-default}", "E=\nA=${NOPE-d1}|${E-d2}\n", { E: "", A: "d1|" }],
    ["${VAR:+alt} / ${VAR+alt}", "E=\nS=s\nA=${NOPE:+a1}|${E:+a2}|${S:+a3}|${NOPE+a4}|${E+a5}\n", { E: "", S: "s", A: "||a3||a5" }],
    ["defaults are interpolated, nested", "S=s\nA=${NOPE:-x-${S}-$S}/${E-${NOPE2:-y}}\n", { S: "s", A: "x-s-s/y" }],
    ["${VAR?err} is fine when set, even empty", "E=\nA=${E?must}x\n", { E: "", A: "x" }],
    ["${VAR:?err} is fine when non-empty", "S=s\nA=${S:?must}\n", { S: "s", A: "s" }],
  ];
  it.each(cases)("%s", (_name, file, env, warn = []) => {
    const p = parse(file);
    expect(p).toEqual({ env, warn, err: "", rc: 0 });
  });
});

describe("compose .env: the process environment", () => {
  it("is looked up before the file's own earlier keys, and wins in the container", () => {
    const p = parse(`K2_NODE_SECRET=${SECRET}\nK2_CENTER_URL=http://x/\${K2_NODE_SECRET}\nH=$HOME\n`, { K2_NODE_SECRET: "from-env", HOME: "/home/ubuntu" });
    expect(p.env).toEqual({ K2_NODE_SECRET: "from-env", K2_CENTER_URL: "http://x/from-env", H: "/home/ubuntu" });
  });
  it("a bare KEY line takes KEY from the environment, else stays unset", () => {
    expect(parse("HOME\nNOPE\nA=1\n", { HOME: "/home/ubuntu" }).env).toEqual({ HOME: "/home/ubuntu", A: "1" });
  });
  it("only exported variables are the environment (the shims' own shell variables are not)", () => {
    const f = path.join(tmp, "envx");
    fs.writeFileSync(f, "A=${IP}\n");
    const r = spawnSync("bash", ["--norc", "-c", `IP=1.2.3.4; . "$1"; dotenv_parse "$2"; dotenv_json; printf '%s' "\${DOTENV_WARN[*]}"`, "bash", LIB, f], { env: bareEnv({ PATH: "/usr/bin:/bin" }), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(r.stdout).toBe('{"A":""}\nIP');
  });
});

describe("compose .env: files compose refuses", () => {
  const cases: [string, string, string, string[]?][] = [
    ["${VAR:?msg} unset", "A=${NOPE:?set NOPE first}\n", "required variable NOPE is missing a value: set NOPE first"],
    ["${VAR:?msg} empty", "E=\nA=${E:?need E}\n", "required variable E is missing a value: need E"],
    ["${VAR?msg} unset", "A=${NOPE?x}\n", "required variable NOPE is missing a value: x"],
    ["${VAR:?} without a message", "A=${NOPE:?}\n", "required variable NOPE is missing a value"],
    ["the message is interpolated; later references still warn", "A=${NOPE:?see $W} $V\n", "required variable NOPE is missing a value: see ", ["W", "V"]],
    ["${ without a closing brace", "A=x${B\n", 'Invalid template: "x${B"'],
    ["${} / ${1} / ${A:x}", "A=${A:x}\n", 'Invalid template: "${A:x}"'],
    ["a bad character in a key", "\nFO!O=bar\n", 'line 2: unexpected character "!" in variable name "FO!O=bar"'],
    ["a space in a key", "MY KEY=1\n", "line 1: key cannot contain a space"],
    ["an unterminated quote", 'A="open\nB=2\n', 'line 3: unterminated quoted value "open'],
    ["a shell expansion compose does not know", "A=${PATH%%:*}\n", 'Invalid template: "${PATH%%:*}"'],
  ];
  it.each(cases)("%s", (_name, file, err, warn = []) => {
    const p = parse(file);
    expect(p.rc).toBe(1);
    expect(p.err).toBe(err);
    expect(p.warn).toEqual(warn);
  });
});

describe("compose .env: JSON for the container record", () => {
  it("escapes what JSON needs, keeps file order", () => {
    expect(parse('B="q\\"b\\\\s\\n\\t"\nA=\u0001z\n').env).toEqual({ B: 'q"b\\s\n\t', A: "\u0001z" });
    expect(Object.keys(parse("Z=1\nA=2\nZ=3\n").env)).toEqual(["Z", "A"]);
  });
});

// The compose file (shims/_compose.sh): every value interpolated as compose-go does, per
// service the environment compose passes and the configuration its config hash covers.
const COMPOSE = path.join(import.meta.dirname, "shims/_compose.sh");
const ASSET = path.join(import.meta.dirname, "../../deploy-assets/docker/docker-compose.yml");

type Loaded = { rc: number; err: string; warn: string[]; name: string; svcs: string[]; env: Record<string, Record<string, string>>; img: Record<string, string>; deps: Record<string, string>; vols: Record<string, string[]>; conf: Record<string, string> };
function load(yml: string, dotenv: string, procEnv: Record<string, string> = {}): Loaded {
  const y = path.join(tmp, `c${n++}.yml`);
  const e = path.join(tmp, `e${n++}`);
  fs.writeFileSync(y, yml);
  fs.writeFileSync(e, dotenv);
  const script = `. "$1"; . "$2"; dotenv_parse "$4" || exit 9; compose_load "$3"; rc=$?
    jq -cn --argjson rc "$rc" --arg err "$CP_ERR" --arg name "$CP_NAME" '{rc: $rc, err: $err, name: $name}'
    printf '%s\\0' "\${CP_WARN[@]}"; echo; printf '%s ' "\${CP_SVCS[@]}"; echo
    for s in "\${CP_SVCS[@]}"; do printf '%s\\t%s\\t%s\\t%s\\t' "$s" "\${CP_IMG[$s]}" "\${CP_DEPS[$s]}" "\${CP_VOLS[$s]//$'\\n'/,}"; compose_env_json "$s" | tr -d '\\n'; printf '\\t'; compose_conf "$s" | base64 -w0; echo; done`;
  const r = spawnSync("bash", ["--norc", "-c", script, "bash", LIB, COMPOSE, y, e], { env: bareEnv({ PATH: "/usr/bin:/bin", ...procEnv }), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  expect(r.stderr).toBe("");
  const [head, warn, svcLine, ...rows] = r.stdout.split("\n");
  const h = JSON.parse(head) as { rc: number; err: string; name: string };
  const out: Loaded = { ...h, warn: warn.split("\0").filter(Boolean), svcs: svcLine.trim().split(" ").filter(Boolean), env: {}, img: {}, deps: {}, vols: {}, conf: {} };
  for (const row of rows.filter(Boolean)) {
    const [s, img, deps, vols, env, conf] = row.split("\t");
    out.img[s] = img;
    out.deps[s] = deps;
    out.vols[s] = vols.split(",").filter(Boolean);
    out.env[s] = JSON.parse(env);
    out.conf[s] = Buffer.from(conf, "base64").toString("utf8");
  }
  return out;
}
const toListForm = (yml: string) => yml.replace(/^ {6}([A-Z][A-Z0-9_]*): (.*)$/gm, "      - $1=$2");

describe("compose file: per-service resolution (the deploy-assets file)", () => {
  const asset = fs.readFileSync(ASSET, "utf8");
  const dotenv = `K2_NODE_SECRET=${SECRET}\nK2_VERSION=v1.2.3-abcdef12\nK2_NODE_NAME=n1\nK2_NODE_TRAFFIC_LIMIT_GB=7\nK2V5_LOG_LEVEL=debug\n`;

  it("services, images, depends_on, volumes; each service's environment with compose's defaults", () => {
    const c = load(asset, dotenv);
    expect(c).toMatchObject({ rc: 0, err: "", warn: [], name: "k2s", svcs: ["k2-sidecar", "k2s"] });
    expect(c.img).toEqual({ "k2-sidecar": "public.ecr.aws/d6n9t2r2/k2-sidecar:v1.2.3-abcdef12", k2s: "public.ecr.aws/d6n9t2r2/k2s:v1.2.3-abcdef12" });
    expect(c.deps).toEqual({ "k2-sidecar": "", k2s: "k2-sidecar:service_healthy" });
    expect(c.vols.k2s).toEqual(["config:/etc/kaitu:ro", "k2v5-data:/etc/k2v5", "./users:/etc/k2v5/users", "./logs:/var/log/kaitu"]);
    expect(Object.keys(c.env["k2-sidecar"])).toHaveLength(22);
    expect(c.env["k2-sidecar"]).toMatchObject({ TZ: "Asia/Singapore", K2_NODE_SECRET: SECRET, K2_CENTER_URL: "https://k2.52j.me", K2_NODE_TRAFFIC_LIMIT_GB: "7", REPORT_INTERVAL: "120s", K2_IP_TYPE: "unknown" });
    expect(c.env.k2s).toEqual({ TZ: "Asia/Singapore", K2_LOG_LEVEL: "debug", K2_USAGE_REPORT_URL: "https://k2.52j.me", K2_NODE_SECRET: SECRET, K2_ENFORCE_AUTH: "0", K2_SLACK_WEBHOOK_URL: "", K2_NODE_NAME: "n1" });
  });

  it("the list form resolves to the same configuration (what compose's hash compares)", () => {
    const a = load(asset, dotenv);
    const b = load(toListForm(asset), dotenv);
    expect(b.env).toEqual(a.env);
    expect(b.conf).toEqual(a.conf);
    expect(a.conf.k2s).toContain("environment.K2_LOG_LEVEL=debug\n");
    expect(a.conf.k2s).not.toContain("depends_on");
  });

  it("a change reaches the configuration of the services that use it, only", () => {
    const a = load(asset, dotenv);
    const limit = load(asset, dotenv.replace("LIMIT_GB=7", "LIMIT_GB=8"));
    expect([limit.conf["k2-sidecar"] === a.conf["k2-sidecar"], limit.conf.k2s === a.conf.k2s]).toEqual([false, true]);
    const unused = load(asset, dotenv + "NOBODY=1\n");
    expect(unused.conf).toEqual(a.conf);
    const version = load(asset, dotenv.replace("abcdef12", "abcdef13"));
    expect([version.conf["k2-sidecar"] === a.conf["k2-sidecar"], version.conf.k2s === a.conf.k2s]).toEqual([false, false]);
  });

  it("the process environment wins over .env", () => {
    expect(load(asset, dotenv, { K2_NODE_NAME: "from-env" }).env.k2s.K2_NODE_NAME).toBe("from-env");
  });
});

describe("compose file: interpolation as compose-go does it", () => {
  it("an unset variable without a default: blank, one warning per use", () => {
    const c = load(fs.readFileSync(ASSET, "utf8"), "K2_VERSION=v1\n");
    expect(c.warn).toEqual(["K2_NODE_SECRET", "K2_NODE_SECRET"]);
    expect(c.env["k2-sidecar"].K2_NODE_SECRET).toBe("");
  });
  it("`- KEY` without a value takes KEY from the environment, else the container does not get it", () => {
    const yml = "services:\n  a:\n    image: x\n    environment:\n      - FROM_ENV\n      - FROM_FILE\n      - NOWHERE\n      - EMPTY=\n";
    expect(load(yml, "FROM_FILE=f\n", { FROM_ENV: "e" }).env.a).toEqual({ FROM_ENV: "e", FROM_FILE: "f", EMPTY: "" });
  });
  it("quoting, comments, flow lists, $$; container_name; no name: → the directory decides", () => {
    const yml = 'services:\n  a:\n    image: "img:${T:-1}" # tag\n    container_name: \'box\'\n    networks: [n1, n2]\n    environment:\n      P: "$$HOME"\n      Q: \'it\'\'s\'\n';
    const c = load(yml, "");
    expect(c).toMatchObject({ rc: 0, name: "", img: { a: "img:1" } });
    expect(c.env.a).toEqual({ P: "$HOME", Q: "it's" });
    expect(c.conf.a).toContain("container_name=box\n");
    expect(c.conf.a).toContain("networks.n1\nnetworks.n2\n");
  });
  it("errors: a required variable, an invalid template (path with [] for list items)", () => {
    expect(load("services:\n  a:\n    image: x\n    environment:\n      - K=${MUST:?set it}\n", "")).toMatchObject({ rc: 1, err: "error while interpolating services.a.environment.[]: required variable MUST is missing a value: set it" });
    expect(load("services:\n  a:\n    image: x:${T\n", "")).toMatchObject({ rc: 1, err: 'invalid interpolation format for services.a.image.\nYou may need to escape any $ with another $.\nx:${T' });
  });
});
