import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { BookOpenIcon } from "@/components/ui/icons";
import { PAGE_HELP, runbookHref, runbookLabel, type HelpPage } from "@/lib/runbook/refs";

/** A page's one-line help: what the page is for, and a link to the runbook section it implements. */
export async function PageHelp({ page }: { page: HelpPage }) {
  const t = await getTranslations("help");
  const ref = PAGE_HELP[page];
  return (
    <p className="flex flex-wrap items-center gap-x-1.5 text-xs text-muted-foreground" data-testid="page-help">
      <BookOpenIcon size={14} className="shrink-0" />
      <span>{t(`pages.${page}`)}</span>
      <Link href={runbookHref(ref)} className="font-medium text-foreground underline underline-offset-4" data-testid="page-help-link">
        {t("link", { section: runbookLabel(ref) })}
      </Link>
    </p>
  );
}
