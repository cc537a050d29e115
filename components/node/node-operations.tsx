"use client";

import { useEffect, useRef, useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useQueryState } from "nuqs";
import { toast } from "sonner";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { fieldErrorProps } from "@/components/ui/field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { EnvEditor, type EnvField } from "./env-editor";
import { LogFollower } from "./log-follower";
// command palette (issue 16): ?op=<operation> opens that operation's confirmation below
import { NODE_OP_PARAM, isNodeOp, opsOnNodePage, type NodeOp } from "@/components/command/commands";

type OpResult = { summary: string; parsed: unknown; raw: string; command: string };
type Res<T = unknown> = { ok: true; data: T; outcome?: "succeeded" | "degraded" | "failed"; outcomeReason?: string } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type Act<T = unknown> = (input: unknown) => Promise<Res<T>>;

type Status = {
  dir: string;
  containers: { name: string; status: string }[];
  detectors: { key: string; title: string; detail: string; fix?: string }[];
  facts?: { key: string; label: string; value: string; state: "ok" | "warn" | "unknown"; raw: string }[];
  sections: Record<string, string>;
};

const CONTAINERS = ["k2s", "k2-sidecar", "k2-slave", "k2-oc"];

function ContainerSelect({ label, value, onChange }: { label: string; value: string; onChange: (c: string) => void }) {
  return (
    <Select value={value} onValueChange={onChange}>
      <SelectTrigger aria-label={label} className="w-auto text-xs">
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {CONTAINERS.map((c) => (
          <SelectItem key={c} value={c} className="text-xs">
            {c}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

function RawOutput({ r }: { r: OpResult }) {
  const t = useTranslations("node.ops");
  return (
    <details className="mt-2">
      <summary className="cursor-pointer text-xs text-muted-foreground">{t("rawOutput", { command: r.command })}</summary>
      <pre className="mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs" data-testid="raw-output">
        {r.raw || t("noOutput")}
      </pre>
    </details>
  );
}

/**
 * A button that asks before it acts; `typeName` demands the node's name typed for dangerous operations.
 * `requested` (the command palette's ?op=) opens the same confirmation; `onDismiss` clears it when it closes.
 */
function Confirmed({ label, warning, typeName, busy, onConfirm, variant = "outline", requested = false, onDismiss }: { label: string; warning: string; typeName?: string; busy: boolean; onConfirm: (typed: string) => void; variant?: "outline" | "destructive"; requested?: boolean; onDismiss?: () => void }) {
  const t = useTranslations("node.ops");
  const tConfirm = useTranslations("confirm");
  const [clicked, setClicked] = useState(false);
  const [typed, setTyped] = useState("");
  const open = clicked || requested;
  const setOpen = (o: boolean) => {
    setClicked(o);
    if (!o && requested) onDismiss?.();
  };
  // opened from the palette: bring the confirmation into view and focus it (or its name field)
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!requested || !box.current) return;
    box.current.scrollIntoView({ block: "center" });
    (box.current.querySelector("input") ?? box.current).focus();
  }, [requested]);
  if (!open) {
    return (
      <Button variant={variant} size="sm" disabled={busy} onClick={() => setOpen(true)}>
        {label}
      </Button>
    );
  }
  return (
    <div ref={box} tabIndex={-1} className="w-full space-y-2 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm focus:outline-none" role="dialog" aria-label={t("confirmAria", { action: label })}>
      <p>{warning}</p>
      {typeName ? <Input aria-label={t("typeName")} placeholder={typeName} value={typed} onChange={(e) => setTyped(e.target.value)} /> : null}
      <div className="flex gap-2">
        <Button size="sm" variant={variant === "destructive" ? "destructive" : "default"} disabled={busy || (typeName !== undefined && typed !== typeName)} onClick={() => { onConfirm(typed); setOpen(false); setTyped(""); }}>
          {t("confirmButton", { action: label.toLowerCase() })}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
          {tConfirm("cancel")}
        </Button>
      </div>
    </div>
  );
}

export function NodeOperations(props: {
  ipv4: string;
  name: string;
  canOperate: boolean;
  isAdmin: boolean;
  hostKeyChanged: boolean;
  /** the node offers only a host key type with no pin: blocked until an admin confirms it */
  hostKeyNewType?: boolean;
  actions: {
    status: Act<OpResult>;
    logs: Act<OpResult>;
    update: Act<OpResult>;
    pushCompose: Act<OpResult>;
    restart: Act<OpResult>;
    users: Act<OpResult>;
    addUser: Act<OpResult>;
    removeUser: Act<OpResult>;
    clearUsers: Act<OpResult>;
    fixIptables: Act<OpResult>;
    clearHostKey: Act<unknown>;
    previewEnv: Act<{ summary: string; parsed: { current: Record<string, string>; changes: { key: string; from: string; to: string }[]; problems: { key: string; message: string }[] } }>;
    applyEnv: Act<{ summary: string }>;
    reboot: Act<OpResult>;
    confirmHostKeyType?: Act<{ confirmed: boolean }>;
    cancelOperation?: Act<{ cancelled: string }>;
    /** the fixes offered next to the detector that calls for them (issue #10 item 14) */
    fixTimezone?: Act<OpResult>;
    migrateK2Slave?: Act<OpResult>;
    migrateDir?: Act<OpResult>;
  };
  envFields: EnvField[];
  /** provider operations that apply to this node (lib/node-ops providerOperations) */
  offers: { lightsailReboot: boolean };
}) {
  const [busy, start] = useTransition();
  const [result, setResult] = useState<{ title: string; r: OpResult } | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [users, setUsers] = useState<{ udid: string; hasToken: boolean }[] | null>(null);
  const usersForm = useForm<{ udid: string; token: string }>({ defaultValues: { udid: "", token: "" } });
  const [logC, setLogC] = useState("k2-sidecar");
  const [restartC, setRestartC] = useState("k2s");
  const router = useRouter();
  const t = useTranslations("node.ops");
  const tOp = useTranslations("command.ops");
  const tConfirm = useTranslations("confirm");
  const name = props.name || props.ipv4;

  // command palette (issue 16): ?op=<operation> opens that operation's own confirmation (never
  // runs it; Verify now is the header's VerifyButton); closing it clears ?op. An operation this
  // page does not offer (role, host key, provider) is refused with a note.
  const [requestedOp, setRequestedOp] = useQueryState(NODE_OP_PARAM);
  const dismissOp = () => void setRequestedOp(null);
  const asked = (op: NodeOp) => requestedOp === op;
  const pageOps = opsOnNodePage({ canOperate: props.canOperate, hostKeyBlocked: !!(props.hostKeyChanged || props.hostKeyNewType), lightsailReboot: props.offers.lightsailReboot });
  const unavailable = requestedOp !== null && !(isNodeOp(requestedOp) && pageOps.includes(requestedOp));
  useEffect(() => {
    if (!unavailable) return;
    toast.warning(isNodeOp(requestedOp) ? t("opUnavailable", { op: tOp(requestedOp) }) : t("noSuchOp", { op: requestedOp ?? "" }), { id: "palette-op-unavailable" });
    void setRequestedOp(null);
  }, [unavailable, requestedOp, setRequestedOp, t, tOp]);

  // a long change runs under an id the operator can cancel; elapsed time is shown while it runs
  const [running, setRunning] = useState<{ title: string; operationId: string; startedAt: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  function run<T extends OpResult>(title: string, act: Act<T>, input: Record<string, unknown>, then?: (r: T) => void, refused?: (fieldErrors: Record<string, string[]>) => void) {
    const cancellable = ("confirm" in input || "confirmName" in input) && act !== props.actions.reboot && !!props.actions.cancelOperation;
    const operationId = cancellable ? crypto.randomUUID() : undefined;
    start(async () => {
      if (operationId) setRunning({ title, operationId, startedAt: Date.now() });
      const res = await act({ ipv4: props.ipv4, ...input, ...(operationId ? { operationId } : {}) }).finally(() => setRunning(null));
      if (!res.ok) {
        toast.error(res.error.message);
        refused?.(res.error.fieldErrors ?? {});
        return;
      }
      setResult({ title, r: res.data });
      then?.(res.data);
      // the tone follows what really happened: applied-but-unhealthy is not a green toast
      const say = res.outcome === "failed" ? toast.error : res.outcome === "degraded" ? toast.warning : toast.success;
      say(`${title}: ${res.data.summary}`);
      router.refresh();
    });
  }

  if (props.hostKeyNewType) {
    return (
      <section aria-label={t("aria")} className="space-y-2 rounded-lg border border-warning/50 bg-warning/5 p-3 text-sm" data-testid="hostkey-new-type">
        <p className="font-medium">{t("newKeyType.heading")}</p>
        <p>{t("newKeyType.body")}</p>
        {props.isAdmin && props.actions.confirmHostKeyType ? (
          <Confirmed label={t("newKeyType.label")} typeName={name} busy={busy} warning={t("newKeyType.warning")} onConfirm={(typed) => start(async () => {
            const res = await props.actions.confirmHostKeyType!({ ipv4: props.ipv4, confirmName: typed });
            if (res.ok) { toast.success(t("newKeyType.done")); router.refresh(); } else toast.error(res.error.message);
          })} />
        ) : null}
      </section>
    );
  }

  if (props.hostKeyChanged) {
    return (
      <section aria-label={t("aria")} className="space-y-2 rounded-lg border border-destructive/50 bg-destructive/5 p-3 text-sm">
        <p className="font-medium text-destructive">{t("keyChanged.heading")}</p>
        <p>{t("keyChanged.body")}</p>
        {props.isAdmin ? (
          <Confirmed label={t("keyChanged.label")} variant="destructive" typeName={name} busy={busy} warning={t("keyChanged.warning")} onConfirm={(typed) => start(async () => {
            const res = await props.actions.clearHostKey({ ipv4: props.ipv4, confirmName: typed });
            if (res.ok) { toast.success(t("keyChanged.done")); router.refresh(); } else toast.error(res.error.message);
          })} />
        ) : null}
      </section>
    );
  }

  return (
    <section aria-label={t("aria")} className="space-y-3 rounded-lg border border-border bg-card p-3 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" variant="outline" disabled={busy} onClick={() => run(t("titles.status"), props.actions.status, {}, (r) => setStatus(r.parsed as Status))}>
          {t("readStatus")}
        </Button>
        <span className="flex items-center gap-1">
          <ContainerSelect label={t("logContainer")} value={logC} onChange={setLogC} />
          <Button size="sm" variant="outline" disabled={busy} onClick={() => run(t("titles.logs", { container: logC }), props.actions.logs, { container: logC, lines: 200 })}>
            {t("tailLogs")}
          </Button>
        </span>
        <LogFollower ipv4={props.ipv4} container={logC} />
        <Button size="sm" variant="outline" disabled={busy} onClick={() => run(t("usersFile"), props.actions.users, {}, (r) => setUsers(r.parsed as { udid: string; hasToken: boolean }[]))}>
          {t("usersFile")}
        </Button>
        {busy && running ? (
          <span className="flex items-center gap-2 text-xs" role="status" data-testid="op-running">
            {t("runningFor", { title: running.title, ip: props.ipv4, seconds: Math.max(0, Math.round((now - running.startedAt) / 1000)) })}
            <Button
              size="sm"
              variant="destructive"
              onClick={async () => {
                const res = await props.actions.cancelOperation!({ ipv4: props.ipv4, operationId: running.operationId });
                if (res.ok) toast.warning(t("cancelSent", { title: running.title }));
                else toast.error(res.error.message);
              }}
            >
              {tConfirm("cancel")}
            </Button>
          </span>
        ) : busy ? (
          <span className="text-xs text-muted-foreground" role="status">{t("runningOn", { ip: props.ipv4 })}</span>
        ) : null}
      </div>

      {props.canOperate ? (
        <div className="flex flex-wrap items-start gap-2 border-t border-border pt-3">
          <Confirmed label={tOp("update")} requested={asked("update")} onDismiss={dismissOp} busy={busy} warning={t("warnings.update")} onConfirm={() => run(t("titles.update"), props.actions.update, { confirm: true })} />
          <Confirmed label={tOp("push-compose")} requested={asked("push-compose")} onDismiss={dismissOp} busy={busy} warning={t("warnings.pushCompose")} onConfirm={() => run(tOp("push-compose"), props.actions.pushCompose, { apply: false, confirm: true })} />
          <Confirmed label={tOp("deploy-compose")} requested={asked("deploy-compose")} onDismiss={dismissOp} busy={busy} warning={t("warnings.deployCompose")} onConfirm={() => run(tOp("deploy-compose"), props.actions.pushCompose, { apply: true, confirm: true })} />
          <span className="flex items-center gap-1">
            <ContainerSelect label={t("restartContainer")} value={restartC} onChange={setRestartC} />
            <Confirmed label={t("restart")} requested={asked("restart")} onDismiss={dismissOp} busy={busy} warning={t("warnings.restart")} onConfirm={() => run(t("titles.restart", { container: restartC }), props.actions.restart, { container: restartC, confirm: true })} />
          </span>
          {/* only where it applies: a Lightsail instance Center still lists */}
          {props.offers.lightsailReboot ? (
            <Confirmed label={tOp("reboot")} requested={asked("reboot")} onDismiss={dismissOp} typeName={name} busy={busy} variant="destructive" warning={t("warnings.reboot")} onConfirm={(typed) => run(t("titles.reboot"), props.actions.reboot, { confirmName: typed })} />
          ) : null}
          <EnvEditor ipv4={props.ipv4} fields={props.envFields} isAdmin={props.isAdmin} preview={props.actions.previewEnv} apply={props.actions.applyEnv} />
        </div>
      ) : null}

      {status ? (
        <div className="space-y-2 border-t border-border pt-3" data-testid="node-status">
          <table className="w-full text-xs">
            <tbody>
              {status.containers.map((c) => (
                <tr key={c.name}><td className="pr-3 font-mono">{c.name}</td><td>{c.status}</td></tr>
              ))}
            </tbody>
          </table>
          {status.facts?.length ? (
            <table className="w-full text-xs" data-testid="status-facts">
              <tbody>
                {status.facts.map((f) => (
                  <tr key={f.key} data-fact={f.key} data-state={f.state} className="align-top">
                    <td className="pr-3 text-muted-foreground">{f.label}</td>
                    <td className="pr-3">
                      <Badge variant={f.state === "ok" ? "success" : f.state === "warn" ? "warning" : "outline"}>{f.state === "ok" || f.state === "warn" || f.state === "unknown" ? t(`factState.${f.state}`) : f.state}</Badge>
                    </td>
                    <td>
                      {f.value}
                      {f.raw ? (
                        <details>
                          <summary className="cursor-pointer text-muted-foreground">{t("raw")}</summary>
                          <pre className="mt-1 whitespace-pre-wrap rounded bg-muted p-2 font-mono">{f.raw}</pre>
                        </details>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {status.detectors.map((d) => (
            <div key={d.key} className="rounded-md border border-warning/50 bg-warning/10 p-2" data-detector={d.key}>
              <p className="font-medium">{d.title}</p>
              <p className="text-xs">{d.detail}</p>
              {d.fix === "iptables-legacy" && props.canOperate ? (
                <div className="mt-2">
                  <Confirmed label={t("fixes.iptables.label")} typeName={name} busy={busy} warning={t("fixes.iptables.warning")} onConfirm={(typed) => run(t("fixes.iptables.title"), props.actions.fixIptables, { confirmName: typed })} />
                </div>
              ) : null}
              {d.fix === "timezone" && props.canOperate && props.actions.fixTimezone ? (
                <div className="mt-2">
                  <Confirmed label={t("fixes.timezone.label")} typeName={name} busy={busy} warning={t("fixes.timezone.warning")} onConfirm={(typed) => run(t("fixes.timezone.title"), props.actions.fixTimezone!, { confirmName: typed })} />
                </div>
              ) : null}
              {d.fix === "migrate-k2slave" && props.canOperate && props.actions.migrateK2Slave ? (
                <div className="mt-2">
                  <Confirmed label={t("fixes.k2slave.label")} typeName={name} busy={busy} variant="destructive" warning={t("fixes.k2slave.warning")} onConfirm={(typed) => run("k2-slave → k2s", props.actions.migrateK2Slave!, { confirmName: typed })} />
                </div>
              ) : null}
              {d.fix === "migrate-dir" && props.canOperate && props.actions.migrateDir ? (
                <div className="mt-2">
                  <Confirmed label={t("fixes.dir.label")} typeName={name} busy={busy} variant="destructive" warning={t("fixes.dir.warning")} onConfirm={(typed) => run(t("fixes.dir.title"), props.actions.migrateDir!, { confirmName: typed })} />
                </div>
              ) : null}
            </div>
          ))}
          <details>
            <summary className="cursor-pointer text-xs text-muted-foreground">{t("envRedacted")}</summary>
            <pre className="mt-1 whitespace-pre-wrap rounded bg-muted p-2 font-mono text-xs" data-testid="env-view">{status.sections.env}</pre>
          </details>
        </div>
      ) : null}

      {users ? (
        <div className="space-y-2 border-t border-border pt-3" data-testid="users-file">
          {users.length === 0 ? <p className="text-xs text-muted-foreground">{t("usersEmpty")}</p> : null}
          <ul className="space-y-1 font-mono text-xs">
            {users.map((u) => (
              <li key={u.udid} className="flex items-center gap-2">
                {u.udid}:{u.hasToken ? "••••" : t("noToken")}
                {props.canOperate ? (
                  <Button size="sm" variant="ghost" disabled={busy} onClick={() => run(t("titles.removeUser", { udid: u.udid }), props.actions.removeUser, { udid: u.udid, confirm: true }, () => setUsers(users.filter((x) => x.udid !== u.udid)))}>
                    {t("removeUser")}
                  </Button>
                ) : null}
              </li>
            ))}
          </ul>
          {props.canOperate ? (
            <form
              className="flex flex-wrap gap-2"
              // the server checks the entry (malformed input is refused there, and audited); its reasons land on the fields
              onSubmit={usersForm.handleSubmit((v) =>
                run(
                  t("titles.addUser"),
                  props.actions.addUser,
                  { udid: v.udid, token: v.token },
                  () => {
                    usersForm.reset();
                    setUsers([...(users ?? []), { udid: v.udid, hasToken: true }]);
                  },
                  (fieldErrors) => {
                    for (const k of ["udid", "token"] as const) if (fieldErrors[k]?.[0]) usersForm.setError(k, { type: "server", message: fieldErrors[k][0] });
                  },
                ),
              )}
            >
              <Input {...usersForm.register("udid")} aria-label="UDID" placeholder={t("udidPlaceholder")} className="h-8 w-48" {...fieldErrorProps(usersForm.formState.errors.udid?.message, "err-users-udid")} />
              <Input {...usersForm.register("token")} aria-label={t("token")} placeholder={t("tokenPlaceholder")} type="password" autoComplete="off" className="h-8 w-48" {...fieldErrorProps(usersForm.formState.errors.token?.message, "err-users-token")} />
              <Button size="sm" type="submit" disabled={busy}>{t("add")}</Button>
              <Confirmed label={t("clearUsers.label")} typeName={name} busy={busy} variant="destructive" warning={t("clearUsers.warning")} onConfirm={(typed) => run(t("clearUsers.title"), props.actions.clearUsers, { confirmName: typed }, () => setUsers([]))} />
              {(["udid", "token"] as const).map((k) =>
                usersForm.formState.errors[k] ? (
                  <p key={k} id={`err-users-${k}`} role="alert" className="w-full text-xs text-destructive">
                    {usersForm.formState.errors[k]?.message}
                  </p>
                ) : null,
              )}
            </form>
          ) : null}
        </div>
      ) : null}

      {result ? (
        <div className="border-t border-border pt-3" data-testid="op-result">
          <p>
            <strong>{result.title}:</strong> {result.r.summary}
          </p>
          <RawOutput r={result.r} />
        </div>
      ) : null}
    </section>
  );
}
