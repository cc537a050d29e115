import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { isRunbookDoc, readRunbook, RUNBOOK_DOCS, runbookPath, type RunbookDoc } from "@/lib/runbook";
import { PageHeader } from "@/components/shell/page-header";
import { cn } from "@/lib/utils";

export async function generateMetadata() {
  const t = await getTranslations("runbook");
  return { title: t("title") };
}

// The runbook, verbatim (its own language): /runbook is the hub, /runbook/<doc> a reference. Every signed-in role reads it.
export default async function RunbookPage({ params }: { params: Promise<{ doc?: string[] }> }) {
  await requireUser();
  const { doc: parts } = await params;
  const name = parts?.[0] ?? "ops";
  if ((parts?.length ?? 0) > 1 || !isRunbookDoc(name) || parts?.[0] === "ops") notFound();
  const doc: RunbookDoc = name;
  const sections = readRunbook(doc);
  const t = await getTranslations("runbook");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <nav aria-label={t("documents")} className="mb-4 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {(Object.keys(RUNBOOK_DOCS) as RunbookDoc[]).map((d) => (
          <Link key={d} href={runbookPath(d)} aria-current={d === doc ? "page" : undefined} className={cn("underline-offset-4 hover:underline", d === doc ? "font-semibold" : "text-muted-foreground")}>
            {RUNBOOK_DOCS[d].title}
          </Link>
        ))}
      </nav>
      <div className="grid gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <nav aria-label={t("contents")} className="text-sm lg:sticky lg:top-4 lg:self-start">
          <h2 className="mb-1 font-medium">{t("contents")}</h2>
          <ol className="space-y-0.5">
            {sections.filter((s) => s.heading).map((s) => (
              <li key={s.id} className={s.level > 1 ? "pl-3" : undefined}>
                <a href={`#${s.id}`} className="text-muted-foreground underline-offset-4 hover:text-foreground hover:underline">
                  {s.heading}
                </a>
              </li>
            ))}
          </ol>
        </nav>
        <article className="min-w-0 space-y-5" lang="en">
          {sections.map((s) => (
            <section key={s.id} id={s.id} aria-labelledby={s.heading ? `${s.id}-h` : undefined} className="scroll-mt-4 target:rounded-md target:ring-2 target:ring-ring target:ring-offset-2">
              {s.heading ? (
                <h2 id={`${s.id}-h`} className={cn("mb-1 font-semibold", s.level > 1 ? "text-sm" : "text-base")}>
                  {s.heading}
                </h2>
              ) : null}
              {s.text ? <pre className="whitespace-pre-wrap break-words rounded-md bg-muted/50 p-3 font-mono text-xs leading-relaxed">{s.text}</pre> : null}
            </section>
          ))}
        </article>
      </div>
    </>
  );
}
