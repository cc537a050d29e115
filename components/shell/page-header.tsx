import type { HelpPage } from "@/lib/runbook/refs";
import { PageHelp } from "./page-help";

/** Page title row: h1, optional one-line description, the page's help line (`help`: the runbook section it implements), actions on the right. Server-rendered. */
export function PageHeader({ title, description, help, actions, children }: { title: React.ReactNode; description?: React.ReactNode; help?: HelpPage; actions?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0 space-y-0.5">
        <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
        {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
        {help ? <PageHelp page={help} /> : null}
        {children}
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}
