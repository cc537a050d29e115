"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";

// Filters live in the URL (shareable, reload-safe); typing updates it after a short pause.
export function FleetFilters({ countries, regions, archs, checks }: { countries: string[]; regions: string[]; archs: string[]; checks: string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");

  function set(key: string, value: string) {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  }

  useEffect(() => {
    if ((params.get("q") ?? "") === q) return;
    const t = setTimeout(() => set("q", q), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const sel = "h-8 rounded-md border border-input bg-background px-2 text-sm";
  const select = (key: string, label: string, options: string[]) => (
    <label className="flex items-center gap-1 text-xs text-muted-foreground">
      {label}
      <select aria-label={label} className={sel} value={params.get(key) ?? ""} onChange={(e) => set(key, e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="mb-3 flex flex-wrap items-center gap-3" role="search">
      <input
        aria-label="Search name or IPv4"
        placeholder="name or IPv4"
        className="h-8 w-56 rounded-md border border-input bg-background px-2 text-sm"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      {select("country", "Country", countries)}
      {select("region", "Region", regions)}
      {select("class", "Class", ["shared", "private"])}
      {select("arch", "Arch", archs)}
      {select("status", "Status", ["pass", "fail", "error", "never"])}
      {select("check", "Failing check", checks)}
      <label className="flex items-center gap-1 text-xs text-muted-foreground">
        <input type="checkbox" checked={params.get("all") === "1"} onChange={(e) => set("all", e.target.checked ? "1" : "")} />
        show decommissioned
      </label>
    </div>
  );
}
