export function NotYet({ what, issue }: { what: string; issue: string }) {
  return (
    <div className="rounded-lg border border-dashed border-border p-8 text-sm" role="status">
      <p className="font-medium">This page is not built yet.</p>
      <p className="mt-1 text-muted-foreground">
        {what} will be here; it arrives with {issue}.
      </p>
    </div>
  );
}
