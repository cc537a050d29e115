import { requireUser } from "@/lib/auth/page";
import { PageHeader } from "@/components/shell/page-header";
import { PasswordChangeForm } from "@/components/users/password-change-form";
import { changeOwnPasswordAction } from "./actions";

export const metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

export default async function AccountPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Your account" description={`${user.email} · ${user.role}`} />
      <PasswordChangeForm changePassword={changeOwnPasswordAction} />
    </>
  );
}
