import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { configSummary } from "@/lib/config";
import { PageHeader } from "@/components/shell/page-header";

export const dynamic = "force-dynamic";

export async function generateMetadata() {
  const t = await getTranslations("settings");
  return { title: t("title") };
}

/** The configuration entries that have a label in the catalog (settings.config.*); any other shows its key. */
const LABELLED = ["database", "centerUrl", "centerAccessKey", "centerIsSimulator", "sshUser", "sshPort", "sshKey", "lightsail", "oidc", "deployAssetsDir"] as const;
type Labelled = (typeof LABELLED)[number];
const isLabelled = (k: string): k is Labelled => (LABELLED as readonly string[]).includes(k);

export default async function SettingsPage() {
  const user = await requireUser();
  const cfg = configSummary();
  const t = await getTranslations("settings");
  return (
    <>
      <PageHeader help="settings" title={t("title")} description={t("description")} />
      <div className="space-y-6">
        <p className="flex flex-wrap gap-x-6 gap-y-1">
          <Link href="/settings/account" className="font-medium underline underline-offset-4">
            {t("accountLink")}
          </Link>
          {hasRole(user.role, "admin") ? (
            <Link href="/settings/users" className="font-medium underline underline-offset-4">
              {t("usersLink")}
            </Link>
          ) : null}
          {hasRole(user.role, "admin") ? (
            <Link href="/settings/notifications" className="font-medium underline underline-offset-4">
              {t("notificationsLink")}
            </Link>
          ) : null}
        </p>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 rounded-lg border border-border bg-card p-4 text-sm md:grid-cols-[14rem_1fr]">
          {Object.entries(cfg).map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted-foreground">{isLabelled(k) ? t(`config.${k}`) : k}</dt>
              <dd className="font-mono text-xs">{typeof v === "boolean" ? (v ? t("yes") : t("no")) : String(v)}</dd>
            </div>
          ))}
        </dl>
        <p className="text-sm text-muted-foreground">{t("readme")}</p>
      </div>
    </>
  );
}
