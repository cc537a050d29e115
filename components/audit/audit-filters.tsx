import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Button } from "@/components/ui/button";

type Value = { user?: string; action?: string; node?: string; outcome?: string; from?: string; to?: string };

// A plain GET form: filters live in the URL, so a filtered view can be shared and reloaded.
export function AuditFilters({ actions, value }: { actions: string[]; value: Value }) {
  const select = "h-9 w-full rounded-md border border-input bg-background px-2 text-sm";
  return (
    <form method="get" className="grid grid-cols-2 gap-3 rounded-lg border border-border bg-card p-3 md:grid-cols-7" aria-label="Audit filters">
      <div className="space-y-1">
        <Label htmlFor="f-user">User</Label>
        <Input id="f-user" name="user" defaultValue={value.user} placeholder="email" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-action">Action</Label>
        <select id="f-action" name="action" defaultValue={value.action ?? ""} className={select}>
          <option value="">any</option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-node">Node / target</Label>
        <Input id="f-node" name="node" defaultValue={value.node} placeholder="IPv4 or id" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-outcome">Outcome</Label>
        <select id="f-outcome" name="outcome" defaultValue={value.outcome ?? ""} className={select}>
          <option value="">any</option>
          <option value="succeeded">succeeded</option>
          <option value="degraded">degraded (done, not healthy)</option>
          <option value="failed">failed</option>
          <option value="denied">denied</option>
          <option value="interrupted">interrupted</option>
          <option value="pending">pending</option>
        </select>
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-from">From (UTC)</Label>
        <Input id="f-from" name="from" type="datetime-local" defaultValue={value.from} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-to">To (UTC)</Label>
        <Input id="f-to" name="to" type="datetime-local" defaultValue={value.to} />
      </div>
      <div className="flex items-end gap-2">
        <Button type="submit">Filter</Button>
        <a href="/audit" className="text-sm text-muted-foreground underline underline-offset-4">
          Reset
        </a>
      </div>
    </form>
  );
}
