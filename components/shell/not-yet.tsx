/** Plain notice for a feature that has not landed: says what will be here and which issue brings it. */
export function NotYet({ what, issue }: { what: string; issue: string }) {
  return (
    <div className="rounded-lg border border-dashed border-border p-6 text-sm" role="status">
      <p>
        <span className="font-medium">This page is not built yet:</span> {what} arrives with {issue}.
      </p>
    </div>
  );
}
