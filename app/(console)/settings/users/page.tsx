import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listUsers } from "@/lib/auth/users";
import { redactValue } from "@/lib/redact";
import { PageHeader } from "@/components/shell/page-header";
import { UserAdmin } from "@/components/users/user-admin";
import { addUserAction, changeUserAction, resetPasswordAction } from "./actions";

export const dynamic = "force-dynamic";

export async function generateMetadata() {
  const t = await getTranslations("users");
  return { title: t("title") };
}

export default async function UsersPage() {
  const user = await requireUser();
  const t = await getTranslations("users");
  const tRoles = await getTranslations("roles");
  if (!hasRole(user.role, "admin")) {
    return (
      <>
        <PageHeader help="users" title={t("title")} />
        <p role="alert" className="rounded-lg border border-border bg-card p-4 text-sm">
          {t("adminOnly", { role: tRoles(user.role) })}
        </p>
      </>
    );
  }
  const users = await listUsers();
  return (
    <>
      <PageHeader help="users" title={t("title")} description={t("description")} />
      <UserAdmin
        me={user.id}
        // stored text is shown through the same redaction as every other sink (a secret typed as a name stays masked)
        users={redactValue(users.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled, lastLoginAt: u.lastLoginAt?.toISOString() ?? null })))}
        addUser={addUserAction}
        changeUser={changeUserAction}
        resetPassword={resetPasswordAction}
      />
    </>
  );
}
