"use client";

import { ArrowDown, ArrowUp, ArrowUpDown } from "lucide-react";
import { parseAsInteger, parseAsStringLiteral, useQueryStates } from "nuqs";
import { TableHead } from "@/components/ui/table";

const DIRS = ["asc", "desc"] as const;
type Dir = (typeof DIRS)[number];

/**
 * A table sorted by the server from the URL (?sort=&dir=, nuqs; a new order goes back to page 1):
 * the current order, and a header cell that changes it. `firstDir` is each key's direction
 * when first chosen; the default key and directions stay out of the URL.
 */
export function useServerSort<K extends string>(keys: readonly K[], defaultKey: K, firstDir: Record<K, Dir>) {
  const [{ sort, dir }, setQuery] = useQueryStates(
    { sort: parseAsStringLiteral(keys).withDefault(defaultKey), dir: parseAsStringLiteral(DIRS), page: parseAsInteger },
    { history: "push", scroll: false, shallow: false },
  );
  const direction: Dir = dir ?? firstDir[sort];
  function sortBy(key: K) {
    const next: Dir = key === sort ? (direction === "asc" ? "desc" : "asc") : firstDir[key];
    void setQuery({ sort: key === defaultKey && next === firstDir[key] ? null : key, dir: next === firstDir[key] ? null : next, page: null });
  }
  return { sort, direction, sortBy };
}

/** A column header that sorts the table by `sortKey` (aria-sort says the current order). */
export function SortableHead<K extends string>({ sortKey, label, state, className }: { sortKey: K; label: string; state: { sort: K; direction: Dir; sortBy: (k: K) => void }; className?: string }) {
  const active = state.sort === sortKey;
  const Icon = !active ? ArrowUpDown : state.direction === "asc" ? ArrowUp : ArrowDown;
  return (
    <TableHead className={className} aria-sort={active ? (state.direction === "asc" ? "ascending" : "descending") : undefined}>
      <button type="button" className="inline-flex items-center gap-1 hover:text-foreground" onClick={() => state.sortBy(sortKey)}>
        {label}
        <Icon size={12} aria-hidden="true" className={active ? undefined : "opacity-40"} />
      </button>
    </TableHead>
  );
}
