import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { getNode, ipv4Schema } from "@/lib/fleet";
import { getVerificationRun, latestVerification, verificationHistory, type StoredCheck } from "@/lib/verification/store";
import { PageHeader } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { VerificationChecklist } from "@/components/node/verification-checklist";
import { VerifyButton } from "@/components/node/verify-button";
import { hasRole } from "@/lib/auth/roles";
import { NodeOperations } from "@/components/node/node-operations";
import { NodeMeteringSection } from "@/components/metering/node-metering-section";
import { SshOverrideForm } from "@/components/node/ssh-override";
import { QuotaOperations } from "@/components/metering/quota-operations";
import { ENV_VARS } from "@/lib/node-ops/env-schema";
import { providerOperations } from "@/lib/node-ops/ops";
import {
  addUserAction,
  applyEnvAction,
  cancelOperationAction,
  clearHostKeyAction,
  confirmHostKeyTypeAction,
  clearUsersAction,
  fixIptablesAction,
  fixTimezoneAction,
  migrateDirAction,
  migrateK2SlaveAction,
  nodeStatusAction,
  previewEnvAction,
  pullAndUpAction,
  pushComposeAction,
  setSshOverrideAction,
  rebootLightsailAction,
  removeUserAction,
  restartContainerAction,
  tailLogsAction,
  verifyNodeAction,
  viewUsersAction,
} from "./actions";

export const dynamic = "force-dynamic";



export async function generateMetadata({ params }: { params: Promise<{ ip: string }> }) {
  const t = await getTranslations("node.page");
  return { title: t("metaTitle", { ip: (await params).ip }) };
}

export default async function NodePage({ params, searchParams }: { params: Promise<{ ip: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser();
  const ip = ipv4Schema.safeParse((await params).ip);
  if (!ip.success) notFound();
  const node = await getNode(ip.data);
  if (!node) notFound();
  const sp = await searchParams;
  const [latest, history, offers] = await Promise.all([
    sp.run && /^[a-z0-9]{10,40}$/i.test(sp.run) ? getVerificationRun(sp.run) : latestVerification(node.ipv4),
    verificationHistory(node.ipv4),
    providerOperations(node),
  ]);
  const t = await getTranslations("node.page");
  const tCheck = await getTranslations("node.checklist.status");
  // a verification status in the page's language; anything else as stored
  const checkStatus = (s: string) => (s === "pass" || s === "fail" || s === "unknown" || s === "skip" ? tCheck(s) : s);
  const tunnels = (Array.isArray(node.tunnels) ? node.tunnels : []) as { domain: string; protocol: string; port: number }[];
  const facts: [string, React.ReactNode][] = [
    ["IPv4", <span key="ip" className="font-mono">{node.ipv4}</span>],
    [t("facts.region"), `${node.region} / ${node.country}`],
    [t("facts.class"), node.class],
    [t("facts.ipType"), node.ipType],
    [t("facts.tunnels"), tunnels.length ? tunnels.map((tu) => `${tu.domain} (${tu.protocol}:${tu.port})`).join(", ") : t("facts.none")],
    [t("facts.arch"), node.arch ?? t("facts.notDetected")],
    [t("facts.imageTag"), node.versionTag ?? "—"],
    [t("facts.sidecarHealth"), node.sidecarHealth ?? "—"],
    [
      t("facts.hostKey"),
      node.hostKeyState === "changed" ? (
        <Badge key="hk" variant="destructive">
          {t("facts.hostKeyChanged")}
        </Badge>
      ) : (
        node.hostKeyState
      ),
    ],
    ["SSH", `${node.sshUser ?? process.env.K2OPS_SSH_USER ?? "ubuntu"}@${node.ipv4}:${node.sshPort ?? process.env.K2OPS_SSH_PORT ?? 1022}${node.sshUser || node.sshPort ? t("facts.perNodeOverride") : ""}`],
    [t("facts.lastContact"), node.lastSeenSshAt ? node.lastSeenSshAt.toISOString().replace("T", " ").slice(0, 19) + " UTC" : t("facts.never")],
    [t("facts.lastError"), node.lastSshError ?? "—"],
    [
      t("facts.inCenter"),
      node.source === "manual" ? (
        <Badge key="src" variant="warning" data-testid="not-in-center">
          {t("facts.addedByHand")}
        </Badge>
      ) : node.inCenter ? (
        t("facts.yes")
      ) : (
        t("facts.noLongerListed")
      ),
    ],
  ];
  return (
    <>
      <PageHeader help="node" title={node.name || node.ipv4} description={`${node.ipv4} · ${node.region}`} actions={
          <>
            {hasRole(user.role, "operator") ? <VerifyButton ipv4={node.ipv4} verify={verifyNodeAction} /> : null}
            <Link href="/" className="text-sm underline underline-offset-4">
              {t("backToFleet")}
            </Link>
          </>
        }
      />
      <div className="grid gap-6 xl:grid-cols-[22rem_1fr]">
        <section aria-label={t("factsAria")}>
          <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5 rounded-lg border border-border bg-card p-3 text-sm">
            {facts.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-muted-foreground">{k}</dt>
                <dd className="break-words">{v}</dd>
              </div>
            ))}
          </dl>
          <h2 className="mb-2 mt-6 text-sm font-semibold">{t("history")}</h2>
          {history.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("neverVerified")}</p>
          ) : (
            <ul className="space-y-1 text-xs" data-testid="verification-history">
              {history.map((h) => (
                <li key={h.id}>
                  <Link href={`/nodes/${node.ipv4}?run=${h.id}`} className="hover:underline">
                    <span className="font-mono">{h.startedAt.toISOString().replace("T", " ").slice(0, 19)}</span>{" "}
                    <span className={h.status === "pass" ? "text-success" : h.status === "fail" ? "text-destructive" : "text-warning"}>{checkStatus(h.status)}</span>
                    {h.failingChecks.length ? ` (${h.failingChecks.join(", ")})` : ""} · {h.triggeredBy}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          {hasRole(user.role, "admin") ? (
            <SshOverrideForm
              ipv4={node.ipv4}
              current={{ sshUser: node.sshUser, sshPort: node.sshPort }}
              defaults={{ sshUser: process.env.K2OPS_SSH_USER ?? "ubuntu", sshPort: Number(process.env.K2OPS_SSH_PORT ?? 1022) }}
              save={setSshOverrideAction}
            />
          ) : null}
        </section>
        <div className="space-y-6">
        <NodeMeteringSection ipv4={node.ipv4} name={node.name} />
        <NodeOperations
          ipv4={node.ipv4}
          name={node.name}
          canOperate={hasRole(user.role, "operator")}
          isAdmin={hasRole(user.role, "admin")}
          hostKeyChanged={node.hostKeyState === "changed"}
          hostKeyNewType={node.hostKeyState === "new_key_type"}
          actions={{
            status: nodeStatusAction,
            logs: tailLogsAction,
            update: pullAndUpAction,
            pushCompose: pushComposeAction,
            restart: restartContainerAction,
            users: viewUsersAction,
            addUser: addUserAction,
            removeUser: removeUserAction,
            clearUsers: clearUsersAction,
            fixIptables: fixIptablesAction,
            clearHostKey: clearHostKeyAction,
            previewEnv: previewEnvAction,
            applyEnv: applyEnvAction,
            reboot: rebootLightsailAction,
            confirmHostKeyType: confirmHostKeyTypeAction,
            fixTimezone: fixTimezoneAction,
            migrateK2Slave: migrateK2SlaveAction,
            migrateDir: migrateDirAction,
            cancelOperation: cancelOperationAction,
          }}
          envFields={ENV_VARS.map(({ key, label, help, secret, adminOnly, choices }) => ({ key, label, help, secret, adminOnly, choices }))}
          offers={{ lightsailReboot: offers.lightsailReboot }}
        />
        <QuotaOperations ipv4={node.ipv4} canOperate={hasRole(user.role, "operator")} />
        <section aria-label={t("checklistAria")}>
          <h2 className="mb-2 text-sm font-semibold">
            {t("checklistHeading")} {latest ? `· ${checkStatus(latest.status)} · ${latest.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC` : ""}
          </h2>
          {!latest ? (
            <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">{t("notVerified")}</p>
          ) : latest.status === "error" ? (
            <p role="alert" className="rounded-lg border border-warning/50 bg-warning/10 p-3 text-sm">
              {t("couldNotRun", { error: latest.error ?? "" })}
            </p>
          ) : (
            <VerificationChecklist checks={latest.checks as unknown as StoredCheck[]} />
          )}
        </section>
        </div>
      </div>
    </>
  );
}
