import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { centerClientFromEnv } from "@/lib/center/client";
import { LAYER_FILTERS, openLog, rawLogPage, type LayerFilter } from "@/lib/device-logs";
import { PageHeader } from "@/components/shell/page-header";
import { FileAnalysis } from "@/components/device-logs/analysis";
import { WarningNote } from "@/components/provisioning/instance-facts";

export const metadata = { title: "Device log" };
export const dynamic = "force-dynamic";

// One uploaded log (issue #15): downloaded and decompressed by k2ops, each k2
// file analysed whole on the server; ?file= shows one file's raw text, paged
// and filtered by DIAG layer and text.
export default async function DeviceLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : "");
  const key = one(sp.key);
  if (!key || key.length > 500 || !process.env.KAITU_CENTER_URL) notFound();
  const client = centerClientFromEnv();
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
        <PageHeader help="deviceLogs" title={`${file} (raw)`} description={key} />
        <form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filter the raw log">
          <input type="hidden" name="key" value={key} />
          <input type="hidden" name="file" value={file} />
          <label className="flex flex-col gap-1">
            <span className="text-xs text-muted-foreground">DIAG layer</span>
            <select name="layer" defaultValue={layer} className="rounded-md border bg-background px-2 py-1">
              {LAYER_FILTERS.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-muted-foreground">Text</span>
            <input name="q" defaultValue={q} className="rounded-md border bg-background px-2 py-1" placeholder="quic" />
          </label>
          <button type="submit" className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground">
            Filter
          </button>
          <Link className="underline-offset-2 hover:underline" href={base}>
            Back to the analysis
          </Link>
        </form>
        {typeof raw === "string" ? (
          <WarningNote>{raw}</WarningNote>
        ) : (
          <>
            <p className="mt-3 text-xs text-muted-foreground" data-testid="raw-count">
              {raw.total.toLocaleString("en-US")} matching lines · page {raw.page} of {raw.pages}
            </p>
            <pre className="mt-2 max-h-[70vh] overflow-auto rounded bg-muted p-2 text-xs" data-testid="raw-lines">
              {raw.lines.map((l) => `${String(l.n).padStart(7)}  ${l.text}`).join("\n")}
            </pre>
            <p className="mt-2 flex gap-3 text-sm">
              {raw.page > 1 ? <Link href={href(raw.page - 1)}>← previous</Link> : null}
              {raw.page < raw.pages ? <Link href={href(raw.page + 1)}>next →</Link> : null}
            </p>
          </>
        )}
      </>
    );
  }
  const opened = await openLog(key, client).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  return (
    <>
      <PageHeader help="deviceLogs" title="Device log analysis" description={key} />
      {typeof opened === "string" ? (
        <WarningNote>{opened}</WarningNote>
      ) : (
        <>
          <p className="text-sm text-muted-foreground">
            {opened.files.length} file(s): {opened.files.map((f) => `${f.name} (${(f.size / 1024).toFixed(0)} KiB)`).join(", ")}
          </p>
          {opened.files.map((f) => (
            <FileAnalysis key={f.name} file={f} server={opened.server} rawHref={`${base}&file=${encodeURIComponent(f.name)}`} />
          ))}
        </>
      )}
      <Link href="/device-logs" className="mt-4 inline-block text-sm underline-offset-2 hover:underline">
        Back to Device logs
      </Link>
    </>
  );
}
