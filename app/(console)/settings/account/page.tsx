import { getServerSession } from "next-auth";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { authOptions } from "@/lib/auth/options";
import { PageHeader } from "@/components/shell/page-header";
import { PasswordChangeForm } from "@/components/users/password-change-form";
import { LocaleSwitch } from "@/components/i18n/locale-switch";
import { Time } from "@/components/i18n/time";
import { TimeZoneNote } from "@/components/i18n/time-zone-note";
import { changeOwnPasswordAction } from "./actions";
import { setLocaleAction } from "./locale-action";

export const dynamic = "force-dynamic";

export async function generateMetadata() {
  const t = await getTranslations("account");
  return { title: t("title") };
}

export default async function AccountPage() {
  const user = await requireUser();
  const t = await getTranslations("account");
  const tLang = await getTranslations("language");
  const tRoles = await getTranslations("roles");
  const session = (await getServerSession(authOptions)) as { authAt?: unknown } | null;
  const authAt = typeof session?.authAt === "number" ? session.authAt : null;
  return (
    <>
      <PageHeader help="account" title={t("title")} description={t("description", { email: user.email, role: tRoles(user.role) })}>
        {authAt ? <p className="text-xs text-muted-foreground">{t.rich("signedInAt", { time: () => <Time value={authAt} format="seconds" /> })}</p> : null}
      </PageHeader>
      <section aria-labelledby="language-heading" className="mb-4 max-w-sm space-y-2 rounded-lg border border-border bg-card p-4">
        <h2 id="language-heading" className="text-sm font-semibold">
          {tLang("heading")}
        </h2>
        <p className="text-sm text-muted-foreground">{tLang("help")}</p>
        <LocaleSwitch save={setLocaleAction} variant="full" />
        <TimeZoneNote />
      </section>
      <PasswordChangeForm changePassword={changeOwnPasswordAction} />
    </>
  );
}
