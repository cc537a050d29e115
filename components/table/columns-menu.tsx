"use client";

import { Columns3 } from "lucide-react";
import { useTranslations } from "next-intl";
import { DropdownMenu, DropdownMenuCheckboxItem, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";

/**
 * A table's "Columns" menu: one checkbox per column that may be hidden and "Reset to default".
 * The menu stays open while columns are ticked, so several can be changed in one go.
 */
export function ColumnsMenu({
  columns,
  onToggle,
  onReset,
  isDefault,
  testId,
}: {
  columns: { id: string; label: string; visible: boolean }[];
  onToggle: (id: string, visible: boolean) => void;
  onReset: () => void;
  /** the choice is the default one (Reset has nothing to do) */
  isDefault: boolean;
  testId?: string;
}) {
  const t = useTranslations("table.columnsMenu");
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <button type="button" className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border px-3 text-sm hover:bg-muted" data-testid={testId}>
          <Columns3 size={16} aria-hidden="true" />
          {t("button")}
        </button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="min-w-48">
        <DropdownMenuLabel>{t("heading")}</DropdownMenuLabel>
        {columns.map((c) => (
          <DropdownMenuCheckboxItem key={c.id} checked={c.visible} onCheckedChange={(v) => onToggle(c.id, v === true)} onSelect={(e) => e.preventDefault()}>
            {c.label}
          </DropdownMenuCheckboxItem>
        ))}
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={onReset} disabled={isDefault}>
          {t("reset")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
