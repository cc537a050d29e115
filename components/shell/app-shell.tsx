import Link from "next/link";
import { NavLinks } from "./nav-links";
import { UserMenu } from "./user-menu";

export function AppShell({ user, children }: { user: { name: string; email: string; role: string }; children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen">
      <aside className="w-48 shrink-0 border-r border-border bg-card p-3">
        <Link href="/" className="mb-4 block px-2.5 text-lg font-semibold tracking-tight">
          k2ops
        </Link>
        <NavLinks />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-12 items-center justify-end border-b border-border px-4">
          <UserMenu user={user} />
        </header>
        <main className="min-w-0 flex-1 p-4">{children}</main>
      </div>
    </div>
  );
}
