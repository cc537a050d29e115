import { useTranslations } from "next-intl";

/** Plain notice for a feature that has not landed: says what will be here and which issue brings it. */
export function NotYet({ what, issue }: { what: string; issue: string }) {
  const t = useTranslations("shell");
  return (
    <div className="rounded-lg border border-dashed border-border p-6 text-sm" role="status">
      <p>{t.rich("notYet", { what, issue, strong: (chunks) => <span className="font-medium">{chunks}</span> })}</p>
    </div>
  );
}
