import crypto from "node:crypto";
import { createCenterClient, type CenterClient } from "@/lib/center/client";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { createLightsailClient, type LightsailWrapper } from "@/lib/lightsail/client";
import { sshEngine } from "@/lib/node-ops/engine";
import { createsFreshMachines, startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import { setProvisionDeps } from "./run";

// The provisioning integration suites' fixture: the node-ops fixture (database,
// Center simulator, sshd machines) with fresh machines for created instances at
// `<prefix>.N`, a Lightsail simulator linked to that Center, the console's claim
// key, the provision / change-ip job kinds on this process's job engine, and
// short waits (timing, mutable by a test).

export type ProvisioningFixture = {
  f: TestFleet;
  ls: LightsailSim;
  client(): CenterClient;
  lightsail(): LightsailWrapper;
  timing: { pollMs: number; registerWaitMs: number; attempts: number; everyMs: number };
  stop(): Promise<void>;
};

export async function startProvisioningFixture(dir: string, o: { prefix: string; secret: string; namePrefix: string }): Promise<ProvisioningFixture> {
  const f = await startTestFleet(dir, [], { secret: o.secret, namePrefix: o.namePrefix });
  process.env.KAITU_CENTER_URL = f.center.url;
  // the console's claim key (the job opens the claim with it)
  process.env.K2OPS_CLAIM_KEY = crypto.randomBytes(32).toString("hex");
  // a created instance is a fresh machine: sshd on 22, nothing deployed
  await createsFreshMachines(f, o.prefix);
  const ls = await startLightsailSim({ center: f.center, pendingSeconds: 1 });
  const timing = { pollMs: 1000, registerWaitMs: 90_000, attempts: 6, everyMs: 5000 };
  const client = () => createCenterClient({ baseUrl: f.center.url, accessKey: f.center.accessKeys.editor, getRetries: 0 });
  const lightsail = () => createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIASIMULATED", secretAccessKey: "simulated-secret-not-checked" }, maxAttempts: 1 });
  setProvisionDeps(() => ({ center: client(), lightsail: lightsail(), ssh: sshEngine, timing }));
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  return {
    f,
    ls,
    client,
    lightsail,
    timing,
    async stop() {
      setProvisionDeps(null);
      delete process.env.KAITU_CENTER_URL;
      delete process.env.K2OPS_CLAIM_KEY;
      await stopJobEngine({ timeoutMs: 10_000 });
      await ls.close();
      await f.stop();
    },
  };
}
