import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { centerClientFromEnv } from "@/lib/center/client";
import { LAYER_FILTERS, openLog, rawLogPage, type LayerFilter } from "@/lib/device-logs";
import { getFormatters } from "@/lib/i18n/server";
import { PageHeader } from "@/components/shell/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { FileAnalysis } from "@/components/device-logs/analysis";
import { WarningNote } from "@/components/provisioning/instance-facts";

export async function generateMetadata() {
  const t = await getTranslations("deviceLogs");
  return { title: t("log.metaTitle") };
}
export const dynamic = "force-dynamic";

// One uploaded log (issue #15): downloaded and decompressed by k2ops, each k2
// file analysed whole on the server; ?file= shows one file's raw text, paged
// and filtered by DIAG layer and text.

/** The filter's example: a DIAG tag from the log (data), the same in every language. */
const TEXT_EXAMPLE = "quic";
export default async function DeviceLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : "");
  const key = one(sp.key);
  if (!key || key.length > 500 || !process.env.KAITU_CENTER_URL) notFound();
  const client = centerClientFromEnv();
  const t = await getTranslations("deviceLogs");
  const base = `/device-logs/log?key=${encodeURIComponent(key)}`;
  const file = one(sp.file);
  if (file) {
    const layer: LayerFilter = (LAYER_FILTERS as readonly string[]).includes(one(sp.layer)) ? (one(sp.layer) as LayerFilter) : "all";
    const q = one(sp.q).slice(0, 200);
    const page = Math.max(1, Number(one(sp.page)) || 1);
    const raw = await rawLogPage(key, file, { layer, q, page }, client).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    const href = (p: number) => `${base}&file=${encodeURIComponent(file)}&layer=${layer}&q=${encodeURIComponent(q)}&page=${p}`;
    return (
      <>
        <PageHeader help="deviceLogs" title={t("log.rawTitle", { file })} description={key} />
        <form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label={t("log.filterAria")}>
          <input type="hidden" name="key" value={key} />
          <input type="hidden" name="file" value={file} />
          <div className="flex flex-col gap-1">
            <label htmlFor="log-layer" className="text-xs text-muted-foreground">
              {t("log.layer")}
            </label>
            <Select name="layer" defaultValue={layer}>
              <SelectTrigger id="log-layer" className="min-w-32">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {LAYER_FILTERS.map((l) => (
                  <SelectItem key={l} value={l}>
                    {l}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-muted-foreground">{t("log.text")}</span>
            <input name="q" defaultValue={q} className="rounded-md border bg-background px-2 py-1" placeholder={TEXT_EXAMPLE} />
          </label>
          <button type="submit" className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground">
            {t("log.filter")}
          </button>
          <Link className="underline-offset-2 hover:underline" href={base}>
            {t("log.backToAnalysis")}
          </Link>
        </form>
        {typeof raw === "string" ? (
          <WarningNote>{raw}</WarningNote>
        ) : (
          <>
            <p className="mt-3 text-xs text-muted-foreground" data-testid="raw-count">
              {t("log.rawCount", { total: raw.total, page: raw.page, pages: raw.pages })}
            </p>
            <pre className="mt-2 max-h-[70vh] overflow-auto rounded bg-muted p-2 text-xs" data-testid="raw-lines">
              {raw.lines.map((l) => `${String(l.n).padStart(7)}  ${l.text}`).join("\n")}
            </pre>
            <p className="mt-2 flex gap-3 text-sm">
              {raw.page > 1 ? <Link href={href(raw.page - 1)}>{t("log.previous")}</Link> : null}
              {raw.page < raw.pages ? <Link href={href(raw.page + 1)}>{t("log.next")}</Link> : null}
            </p>
          </>
        )}
      </>
    );
  }
  const f = await getFormatters();
  const opened = await openLog(key, client).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  return (
    <>
      <PageHeader help="deviceLogs" title={t("log.analysisTitle")} description={key} />
      {typeof opened === "string" ? (
        <WarningNote>{opened}</WarningNote>
      ) : (
        <>
          <p className="text-sm text-muted-foreground">
            {t("log.files", { count: opened.files.length, list: opened.files.map((x) => t("log.fileEntry", { name: x.name, size: f.bytes(x.size, { unit: "KiB", digits: 0 }) })).join(", ") })}
          </p>
          {opened.files.map((x) => (
            <FileAnalysis key={x.name} file={x} server={opened.server} rawHref={`${base}&file=${encodeURIComponent(x.name)}`} />
          ))}
        </>
      )}
      <Link href="/device-logs" className="mt-4 inline-block text-sm underline-offset-2 hover:underline">
        {t("backToList")}
      </Link>
    </>
  );
}
