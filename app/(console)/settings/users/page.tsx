import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listUsers } from "@/lib/auth/users";
import { redactValue } from "@/lib/redact";
import { PageHeader } from "@/components/shell/page-header";
import { UserAdmin } from "@/components/users/user-admin";
import { addUserAction, changeUserAction, resetPasswordAction } from "./actions";

export const metadata = { title: "Users" };
export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const user = await requireUser();
  if (!hasRole(user.role, "admin")) {
    return (
      <>
        <PageHeader title="Users" />
        <p role="alert" className="rounded-lg border border-border bg-card p-4 text-sm">
          You need the admin role to manage users. You are signed in as {user.role}.
        </p>
      </>
    );
  }
  const users = await listUsers();
  return (
    <>
      <PageHeader title="Users" description="Local accounts and their roles: viewer reads, operator runs node operations, admin also manages users and host keys." />
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
