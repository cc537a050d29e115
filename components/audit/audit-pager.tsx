import { useTranslations } from "next-intl";

export function AuditPager({ page, pages, query }: { page: number; pages: number; query: string }) {
  const href = (p: number) => `/audit?${query ? query + "&" : ""}page=${p}`;
  const t = useTranslations("audit.pager");
  const link = "rounded-md border border-border px-3 py-1 text-sm hover:bg-muted";
  return (
    <nav className="mt-3 flex items-center justify-between text-sm" aria-label={t("label")}>
      <span className="text-muted-foreground">
        {t("page", { page, pages })}
      </span>
      <div className="flex gap-2">
        {page > 1 ? (
          <a className={link} href={href(page - 1)} rel="prev">
            {t("previous")}
          </a>
        ) : null}
        {page < pages ? (
          <a className={link} href={href(page + 1)} rel="next">
            {t("next")}
          </a>
        ) : null}
      </div>
    </nav>
  );
}
