import { requireUser } from "@/lib/auth/page";
import { AppShell } from "@/components/shell/app-shell";
import { setLocaleAction } from "./settings/account/locale-action";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return (
    <AppShell user={{ name: user.name, email: user.email, role: user.role }} saveLocale={setLocaleAction}>
      {children}
    </AppShell>
  );
}
