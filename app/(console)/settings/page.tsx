import Link from "next/link";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { configSummary } from "@/lib/config";
import { PageHeader } from "@/components/shell/page-header";

export const metadata = { title: "Settings" };
export const dynamic = "force-dynamic";

const LABELS: Record<string, string> = {
  database: "Database",
  centerUrl: "Center URL",
  centerAccessKey: "Center access key",
  centerIsSimulator: "Simulated fleet",
  sshUser: "SSH user",
  sshPort: "SSH port",
  sshKey: "SSH private key",
  lightsail: "Lightsail",
  oidc: "Single sign-on",
  deployAssetsDir: "Deploy assets directory",
};

export default async function SettingsPage() {
  const user = await requireUser();
  const cfg = configSummary();
  return (
    <>
      <PageHeader title="Settings" description="How this console is configured (from its environment; secrets are never shown)." />
      <div className="space-y-6">
        <p className="flex flex-wrap gap-x-6 gap-y-1">
          <Link href="/settings/account" className="font-medium underline underline-offset-4">
            Your account and password →
          </Link>
          {hasRole(user.role, "admin") ? (
            <Link href="/settings/users" className="font-medium underline underline-offset-4">
              Manage users and roles →
            </Link>
          ) : null}
          {hasRole(user.role, "admin") ? (
            <Link href="/settings/notifications" className="font-medium underline underline-offset-4">
              Notifications (webhook, Slack) →
            </Link>
          ) : null}
        </p>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 rounded-lg border border-border bg-card p-4 text-sm md:grid-cols-[14rem_1fr]">
          {Object.entries(cfg).map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted-foreground">{LABELS[k] ?? k}</dt>
              <dd className="font-mono text-xs">{typeof v === "boolean" ? (v ? "yes" : "no") : String(v)}</dd>
            </div>
          ))}
        </dl>
        <p className="text-sm text-muted-foreground">Every variable is documented in the README&apos;s configuration reference.</p>
      </div>
    </>
  );
}
