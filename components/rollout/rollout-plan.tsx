import type { RolloutPreview } from "@/lib/rollout";
import { CodeBlock } from "@/components/ui/code-block";
import { nodeLabel } from "./format";

const MAX_BATCHES_SHOWN = 40;

/** What the operator confirms: batches (canary first), every skipped node with why, the threshold, the dry run. */
export function RolloutPlan({ plan, stale = false }: { plan: RolloutPreview; stale?: boolean }) {
  const canary = plan.batches[0] ?? [];
  const rest = plan.batches.slice(1);
  return (
    <section aria-label="Rollout preview" data-testid="rollout-preview" data-targeted={plan.targeted} className={`space-y-4 rounded-lg border border-border bg-card p-4 text-sm ${stale ? "opacity-60" : ""}`}>
      <div className="space-y-1">
        <h2 className="text-base font-semibold">
          Preview: <span data-testid="preview-targeted">{plan.targeted}</span> node{plan.targeted === 1 ? "" : "s"} take part
          {plan.skipped.length ? `, ${plan.skipped.length} skipped` : ""}
        </h2>
        {plan.targeted > 0 ? (
          <>
            <p className="text-muted-foreground">
              {canary.length ? `Canary: ${canary.length} node${canary.length === 1 ? "" : "s"} first, alone; then ` : "No canary; "}
              {rest.length} batch{rest.length === 1 ? "" : "es"}
              {plan.strategy.staggerSeconds ? ` ${plan.strategy.staggerSeconds} s apart` : ""}.{" "}
              {canary.length && plan.strategy.promotion === "manual" ? "After the canary the rollout waits for you to promote it." : ""}
            </p>
            <p data-testid="preview-threshold">
              Failure threshold: <strong>{plan.threshold}</strong>
              {plan.params.kind !== "update" && plan.params.kind !== "set-env" ? "." : plan.strategy.autoRevert ? "; a node that fails its health gate is reverted to what it ran before." : "; auto-revert is off: a failed node stays as it is."}
            </p>
          </>
        ) : null}
      </div>

      {plan.usersFile ? (
        plan.usersFile.dirty.length ? (
          <div role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2" data-testid="users-file-block">
            <p className="font-medium">
              K2_ENFORCE_AUTH=1 is blocked: {plan.usersFile.dirty.length} of {plan.usersFile.checked} node{plan.usersFile.checked === 1 ? "" : "s"} have a non-empty or unreadable /apps/k2s/users. Empty them first (Fleet reports: users-file audit).
            </p>
            <ul className="mt-1 list-inside list-disc font-mono text-xs">
              {plan.usersFile.dirty.slice(0, 50).map((d) => (
                <li key={d.ipv4}>
                  {d.ipv4}: {d.entries !== undefined ? `${d.entries} entr${d.entries === 1 ? "y" : "ies"}` : d.reason}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="rounded-md border border-border p-2 text-muted-foreground" data-testid="users-file-clean">
            Users-file gate: all {plan.usersFile.checked} node{plan.usersFile.checked === 1 ? "" : "s"} have an empty /apps/k2s/users (each is checked again right before its change).
          </p>
        )
      ) : null}

      <div>
        <h3 className="mb-1 font-medium">Batches</h3>
        {plan.targeted === 0 ? (
          <p role="alert" className="rounded-md border border-warning/50 bg-warning/10 p-2">
            No node would take part: every targeted node is skipped (see why below).
          </p>
        ) : (
          <ol className="space-y-1" data-testid="preview-batches">
            {plan.batches.slice(0, MAX_BATCHES_SHOWN).map((b, i) =>
              b.length ? (
                <li key={i} data-batch={i} className="flex gap-2">
                  <span className="w-20 shrink-0 font-medium">{i === 0 ? "canary" : `batch ${i}`}</span>
                  <span className="break-words font-mono text-xs leading-5">{b.map(nodeLabel).join(", ")}</span>
                </li>
              ) : null,
            )}
            {plan.batches.length > MAX_BATCHES_SHOWN ? <li className="text-muted-foreground">… and {plan.batches.length - MAX_BATCHES_SHOWN} more batches</li> : null}
          </ol>
        )}
      </div>

      {plan.skipped.length ? (
        <div>
          <h3 className="mb-1 font-medium">Skipped ({plan.skipped.length})</h3>
          <div className="max-h-64 overflow-auto rounded-md border border-border">
            <table className="w-full text-xs" data-testid="preview-skipped">
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  <th className="px-2 py-1 font-medium">Node</th>
                  <th className="px-2 py-1 font-medium">Why it is left out</th>
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
        <h3 className="mb-1 font-medium">Dry run: what each node receives, in order</h3>
        <CodeBlock label="Commands per node" value={plan.commands.map((c, i) => `${i + 1}. ${c}`).join("\n")} wrap maxHeight="16rem" />
      </div>
    </section>
  );
}
