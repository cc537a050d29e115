"use client";

import { Columns3 } from "lucide-react";
import { useTranslations } from "next-intl";
import { DropdownMenu, DropdownMenuCheckboxItem, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";

/**
 * The fleet table's "Columns" menu: one checkbox per column that may be hidden (not the
 * selection column nor Name) and "Reset to default". The menu stays open while columns are
 * ticked, so several can be changed in one go.
 */
export function FleetColumnsMenu({
  columns,
  onToggle,
  onReset,
  isDefault,
}: {
  columns: { id: string; label: string; visible: boolean }[];
  onToggle: (id: string, visible: boolean) => void;
  onReset: () => void;
  /** the choice is the default one (Reset has nothing to do) */
  isDefault: boolean;
}) {
  const t = useTranslations("fleet.columnsMenu");
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <button type="button" className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border px-3 text-sm hover:bg-muted" data-testid="fleet-columns">
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
