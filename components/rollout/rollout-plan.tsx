import { useTranslations } from "next-intl";
import type { RolloutPreview } from "@/lib/rollout";
import type { Spoken } from "@/lib/text";
import { CodeBlock } from "@/components/ui/code-block";
import { nodeLabel } from "./format";

const MAX_BATCHES_SHOWN = 40;

/** What the operator confirms: batches (canary first), every skipped node with why, the threshold, the dry run. */
export function RolloutPlan({ plan, stale = false }: { plan: Spoken<RolloutPreview>; stale?: boolean }) {
  const t = useTranslations("rollout.plan");
  const canary = plan.batches[0] ?? [];
  const rest = plan.batches.slice(1);
  return (
    <section aria-label={t("aria")} data-testid="rollout-preview" data-targeted={plan.targeted} className={`space-y-4 rounded-lg border border-border bg-card p-4 text-sm ${stale ? "opacity-60" : ""}`}>
      <div className="space-y-1">
        <h2 className="text-base font-semibold">
          {t.rich("heading", { count: plan.targeted, skipped: plan.skipped.length, n: (c) => <span data-testid="preview-targeted">{c}</span> })}
        </h2>
        {plan.targeted > 0 ? (
          <>
            <p className="text-muted-foreground">
              {canary.length ? t("canaryFirst", { count: canary.length }) : t("noCanary")}
              {t("batches", { count: rest.length, seconds: plan.strategy.staggerSeconds ?? 0 })}{" "}
              {canary.length && plan.strategy.promotion === "manual" ? t("waitsForPromotion") : ""}
            </p>
            <p data-testid="preview-threshold">
              {t.rich("threshold", { threshold: plan.threshold, b: (c) => <strong>{c}</strong> })}
              {plan.params.kind !== "update" && plan.params.kind !== "set-env" ? t("thresholdEnd") : plan.strategy.autoRevert ? t("revertOn") : t("revertOff")}
            </p>
          </>
        ) : null}
      </div>

      {plan.usersFile ? (
        plan.usersFile.dirty.length ? (
          <div role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2" data-testid="users-file-block">
            <p className="font-medium">
              {t("usersBlocked", { dirty: plan.usersFile.dirty.length, count: plan.usersFile.checked })}
            </p>
            <ul className="mt-1 list-inside list-disc font-mono text-xs">
              {plan.usersFile.dirty.slice(0, 50).map((d) => (
                <li key={d.ipv4}>
                  {d.ipv4}: {d.entries !== undefined ? t("entries", { count: d.entries }) : d.reason}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="rounded-md border border-border p-2 text-muted-foreground" data-testid="users-file-clean">
            {t("usersClean", { count: plan.usersFile.checked })}
          </p>
        )
      ) : null}

      <div>
        <h3 className="mb-1 font-medium">{t("batchesHeading")}</h3>
        {plan.targeted === 0 ? (
          <p role="alert" className="rounded-md border border-warning/50 bg-warning/10 p-2">
            {t("noneTakePart")}
          </p>
        ) : (
          <ol className="space-y-1" data-testid="preview-batches">
            {plan.batches.slice(0, MAX_BATCHES_SHOWN).map((b, i) =>
              b.length ? (
                <li key={i} data-batch={i} className="flex gap-2">
                  <span className="w-20 shrink-0 font-medium">{i === 0 ? t("canary") : t("batch", { n: i })}</span>
                  <span className="break-words font-mono text-xs leading-5">{b.map(nodeLabel).join(", ")}</span>
                </li>
              ) : null,
            )}
            {plan.batches.length > MAX_BATCHES_SHOWN ? <li className="text-muted-foreground">{t("moreBatches", { count: plan.batches.length - MAX_BATCHES_SHOWN })}</li> : null}
          </ol>
        )}
      </div>

      {plan.skipped.length ? (
        <div>
          <h3 className="mb-1 font-medium">{t("skippedHeading", { count: plan.skipped.length })}</h3>
          <div className="max-h-64 overflow-auto rounded-md border border-border">
            <table className="w-full text-xs" data-testid="preview-skipped">
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  <th className="px-2 py-1 font-medium">{t("colNode")}</th>
                  <th className="px-2 py-1 font-medium">{t("colWhy")}</th>
                </tr>
              </thead>
              <tbody>
                {plan.skipped.map((s) => (
                  <tr key={s.ipv4} data-node={s.ipv4} className="border-t border-border">
                    <td className="px-2 py-1 font-mono">{nodeLabel(s)}</td>
                    <td className="px-2 py-1">{s.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}

      <div>
        <h3 className="mb-1 font-medium">{t("dryRun")}</h3>
        <CodeBlock label={t("commandsLabel")} value={plan.commands.map((c, i) => `${i + 1}. ${c}`).join("\n")} wrap maxHeight="16rem" />
      </div>
    </section>
  );
}
