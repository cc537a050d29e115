"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useQueryState } from "nuqs";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { fleetTextParam } from "./fleet-text-param";

// the values these filters know (lib/fleet fleetQuerySchema); their texts are in the catalogs
const CLASSES = ["shared", "private"] as const;
const STATUSES = ["pass", "fail", "error", "never"] as const;
/** The item standing for "any" (Radix refuses ""); the URL never carries it. */
const ANY = "__any__";

// Filters live in the URL (shareable, reload-safe). The text filter is applied by the
// table as you type and reaches the URL after a pause (no server round trip); the
// dropdowns re-read the page from the server.
export function FleetFilters({ countries, regions, archs, checks }: { countries: string[]; regions: string[]; archs: string[]; checks: string[] }) {
  const t = useTranslations("fleet.filters");
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [q, setQ] = useQueryState("q", fleetTextParam);

  function set(key: string, value: string) {
    const next = new URLSearchParams(params.toString());
    // the text as typed (its URL update may still be waiting for the pause)
    if (q.trim()) next.set("q", q);
    else next.delete("q");
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  }

  // options: the values (in the URL), each with the text shown for it
  const select = (key: string, label: string, options: { value: string; label: string }[]) => (
    <label className="flex items-center gap-1 text-xs text-muted-foreground">
      {label}
      <Select value={params.get(key) ?? ""} onValueChange={(v) => set(key, v)} emptyValue={ANY}>
        <SelectTrigger aria-label={label} className="w-auto min-w-20 text-foreground">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ANY}>{t("any")}</SelectItem>
          {options.map((o) => (
            <SelectItem key={o.value} value={o.value}>
              {o.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </label>
  );

  // countries, regions, archs and check names are the nodes' own values: shown as they are
  const raw = (values: string[]) => values.map((v) => ({ value: v, label: v }));

  return (
    <div className="mb-3 flex flex-wrap items-center gap-3" role="search">
      <input
        aria-label={t("search")}
        placeholder={t("searchPlaceholder")}
        className="h-8 w-56 rounded-md border border-input bg-background px-2 text-sm"
        value={q}
        onChange={(e) => void setQ(e.target.value)}
      />
      {select("country", t("country"), raw(countries))}
      {select("region", t("region"), raw(regions))}
      {select("class", t("class"), CLASSES.map((c) => ({ value: c, label: t(`classOption.${c}`) })))}
      {select("arch", t("arch"), raw(archs))}
      {select("status", t("status"), STATUSES.map((v) => ({ value: v, label: t(`statusOption.${v}`) })))}
      {select("check", t("check"), raw(checks))}
      <label className="flex items-center gap-1 text-xs text-muted-foreground">
        <input type="checkbox" checked={params.get("all") === "1"} onChange={(e) => set("all", e.target.checked ? "1" : "")} />
        {t("showDecommissioned")}
      </label>
    </div>
  );
}
