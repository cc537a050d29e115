"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import type { ColumnVisibilityState, Updater } from "@tanstack/react-table";

/** The server action that saves a user's hidden columns (null: back to the default). */
export type SaveColumns<C extends string = string> = (input: { hidden: C[] | null }) => Promise<{ ok: true } | { ok: false; error: { message: string } }>;

/**
 * A table's column choice as TanStack Table state, saved for the user on every change
 * (lib/table-columns). `hideable` is the table's order; the state starts from the user's saved
 * `initialHidden`. A failed save is a toast; the table keeps what the user chose.
 */
export function useColumnChoice<C extends string>({ hideable, defaultHidden, initialHidden, save }: { hideable: readonly C[]; defaultHidden: readonly C[]; initialHidden: readonly C[]; save?: SaveColumns<C> }) {
  const t = useTranslations("table.columnsMenu");
  const [hidden, setHidden] = useState<C[]>(() => hideable.filter((c) => initialHidden.includes(c)));
  const columnVisibility: ColumnVisibilityState = Object.fromEntries(hidden.map((id) => [id, false]));

  async function persist(next: C[] | null) {
    if (!save) return;
    const res = await save({ hidden: next });
    if (!res.ok) toast.error(t("notSaved", { message: res.error.message }));
  }
  function onColumnVisibilityChange(updater: Updater<ColumnVisibilityState>) {
    const next = typeof updater === "function" ? updater(columnVisibility) : updater;
    const nextHidden = hideable.filter((id) => next[id] === false);
    setHidden(nextHidden);
    void persist(nextHidden);
  }
  function reset() {
    setHidden([...defaultHidden]);
    void persist(null);
  }
  const isDefault = hidden.length === defaultHidden.length && hidden.every((c) => defaultHidden.includes(c));
  return { hidden, columnVisibility, onColumnVisibilityChange, reset, isDefault };
}
