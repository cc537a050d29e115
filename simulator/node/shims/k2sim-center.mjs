// The simulated sidecar's Center client (node-behavior.md §3.2): PUT /slave/nodes/<ip>
// (registration) and DELETE /slave/nodes/<ip> (graceful stop), Basic <ip>:<secret>.
// Everything comes from the environment (the secret never travels in argv).
// Prints one line: "<http status> <envelope code> <tunnel created> <node created> <elapsed ms> <message>".
import fs from "node:fs";

const e = process.env;
const [method] = process.argv.slice(2);
const ip = e.SIM_IP;
const url = `${(e.SIM_CENTER || "").replace(/\/+$/, "")}/slave/nodes/${ip}`;
const auth = "Basic " + Buffer.from(`${ip}:${e.SIM_SECRET || ""}`).toString("base64");
const t0 = Date.now();
let body;
if (method === "PUT") {
  const domain = `${ip.replace(/\./g, "-")}.sslip.io`;
  const b = {
    country: e.SIM_COUNTRY || "",
    region: e.SIM_REGION || "",
    name: e.SIM_NAME || ip,
    ipType: e.SIM_IPTYPE || "unknown",
    secretToken: e.SIM_SECRET || "",
    tunnels: [{ domain, protocol: "k2v5", port: 443, hopPortStart: 40000, hopPortEnd: 40019, hasTunnel: true }],
    meta: { arch: "k2v5" },
  };
  if (e.SIM_CLAIM) b.privateClaim = e.SIM_CLAIM;
  body = JSON.stringify(b);
}
try {
  const r = await fetch(url, { method, headers: { Authorization: auth, "Content-Type": "application/json" }, body, signal: AbortSignal.timeout(Number(e.SIM_TIMEOUT_MS || 10000)) });
  const text = await r.text();
  let j = {};
  try {
    j = JSON.parse(text);
  } catch {}
  const d = j.data || {};
  const tun = (d.tunnels || [])[0] || {};
  if (method === "PUT" && e.SIM_CERTDIR && tun.sslCert) {
    fs.mkdirSync(e.SIM_CERTDIR, { recursive: true });
    // replaced, not rewritten: an earlier start (as root or the other user) owns the old files
    for (const f of [`${tun.domain}-cert.pem`, `${tun.domain}-key.pem`]) fs.rmSync(`${e.SIM_CERTDIR}/${f}`, { force: true });
    fs.writeFileSync(`${e.SIM_CERTDIR}/${tun.domain}-cert.pem`, tun.sslCert);
    fs.writeFileSync(`${e.SIM_CERTDIR}/${tun.domain}-key.pem`, tun.sslKey || "", { mode: 0o600 });
  }
  console.log(`${r.status} ${j.code ?? "x"} ${tun.created === true} ${d.created === true} ${Date.now() - t0} ${JSON.stringify(j.message || "")}`);
} catch (err) {
  console.log(`000 x false false ${Date.now() - t0} ${JSON.stringify(String(err && err.cause ? err.cause.code || err.cause.message : err && err.message))}`);
}
