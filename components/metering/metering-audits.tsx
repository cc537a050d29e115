import Link from "next/link";
import { useTranslations } from "next-intl";
import { fixHref, type Audit, type Finding, type Phrase, type ProblemCode } from "@/lib/metering/audits";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

// The Metering page's audits (issue #13 "Show", metering.md Part B): each audit
// with findings is a list of nodes, worst first, with the fix the console offers
// (a link that opens the node page's quota panel prefilled). Audits that found
// nothing are named on one line, so "nothing found" is visible, not silent.
// Presentational: the data is lib/metering/audits' runMeteringAudits.

const SEVERITY: Record<Finding["severity"], "destructive" | "warning" | "info"> = {
  critical: "destructive",
  warning: "warning",
  info: "info",
};

export function MeteringAudits({ audits, problems, problemPhrases, rulesSource, canFix }: { audits: Audit[]; problems: string[]; problemPhrases?: Phrase<ProblemCode>[]; rulesSource: string; canFix: boolean }) {
  const t = useTranslations("metering.audits");
  // lib's sentences from their codes (lib's English text is the same; it stays for the other uses)
  const title = (a: Audit) => t(`titles.${a.key}.title`);
  const shownProblems = problemPhrases && problemPhrases.length === problems.length ? problemPhrases.map((p) => t(`problem.${p.code}`, p.values)) : problems;
  const withFindings = audits.filter((a) => a.findings.length > 0);
  const clean = audits.filter((a) => a.findings.length === 0);
  return (
    <section aria-labelledby="metering-audits-h" className="space-y-3" data-testid="metering-audits">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="metering-audits-h" className="text-base font-semibold">
          {t("heading")}
        </h2>
        <span className="text-xs text-muted-foreground">{t("rulesSource", { source: rulesSource })}</span>
      </div>
      {problems.length > 0 ? (
        <ul className="rounded-md border border-warning/60 bg-warning/10 p-2 text-sm" data-testid="audit-problems">
          {shownProblems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {withFindings.map((a) => (
        <Card key={a.key} data-testid={`audit-${a.key}`}>
          <CardHeader>
            <CardTitle as="h3">
              {title(a)} <span className="font-normal text-muted-foreground">({a.findings.length})</span>
            </CardTitle>
            <CardDescription>{t(`titles.${a.key}.description`)}</CardDescription>
          </CardHeader>
          <CardContent className="p-0">
            <ul className="divide-y divide-border">
              {a.findings.map((f) => (
                <li key={f.ipv4} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-3 py-2 text-sm" data-testid="audit-finding" data-ipv4={f.ipv4}>
                  <Badge variant={SEVERITY[f.severity]}>{t(`severity.${f.severity}`)}</Badge>
                  <Link href={`/nodes/${f.ipv4}`} className="font-medium underline-offset-2 hover:underline">
                    {f.name}
                  </Link>
                  <span className="tabular-nums text-xs text-muted-foreground">{f.ipv4}</span>
                  <span className="min-w-0 flex-1 basis-80">{t(`finding.${f.detailPhrase.code}`, f.detailPhrase.values)}</span>
                  {f.fix && (canFix || f.fix.kind === "open-node") ? (
                    <Link href={fixHref(f.ipv4, f.fix)} className="text-sm font-medium text-primary underline-offset-2 hover:underline" data-testid="audit-fix">
                      {t(`fix.${f.fix.labelPhrase.code}`, f.fix.labelPhrase.values)}
                    </Link>
                  ) : null}
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ))}
      {clean.length > 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="audits-clean">
          {t("nothingFound", { audits: clean.map(title).join(" · ") })}
        </p>
      ) : null}
    </section>
  );
}
