import Link from "next/link";
import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";
import { LocaleSwitch } from "@/components/i18n/locale-switch";
import { CommandPalette } from "@/components/command/command-palette";
import { ROLES, type Role } from "@/lib/auth/roles";

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

export type ShellUser = { name: string; email: string; role: string };

type SaveLocale = React.ComponentProps<typeof LocaleSwitch>["save"];

const ROLE_VARIANT: Record<string, "destructive" | "default" | "outline"> = { admin: "destructive", operator: "default" };

/**
 * Presentational console frame: top bar (product name, language, theme, user, sign out), left
 * navigation (a scrolling strip on narrow screens), main content. Server component; only the nav,
 * the language switch, the theme toggle and the sign-out button are client components. Every
 * text comes from the catalogs (messages/*.json); `saveLocale` is the server action that saves
 * the language (passed in: components do not import app/).
 */
export function AppShell({ user, saveLocale, children }: { user: ShellUser | null; saveLocale?: SaveLocale; children: React.ReactNode }) {
  const t = useTranslations("shell");
  const tRoles = useTranslations("roles");
  const role = user ? (isRole(user.role) ? tRoles(user.role) : user.role) : "";
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-background focus:px-3 focus:py-1.5 focus:shadow"
      >
        {t("skipToContent")}
      </a>
      <header className="sticky top-0 z-30 flex h-11 shrink-0 items-center gap-3 border-b border-border bg-card/95 px-3 backdrop-blur">
        <Link href="/" className="flex items-center gap-1.5 rounded-md px-1 text-base font-semibold tracking-tight">
          <span aria-hidden="true" className="inline-flex size-5 items-center justify-center rounded bg-primary font-mono text-[11px] font-bold text-primary-foreground">
            k2
          </span>
          k2ops
        </Link>
        {/* min-w-0 lets the email shrink (truncated) on a phone instead of pushing the bar wider than the screen */}
        <div className="ml-auto flex min-w-0 items-center gap-2 text-sm sm:gap-3">
          {user ? <CommandPalette role={user.role} /> : null}
          {saveLocale ? <LocaleSwitch save={saveLocale} /> : null}
          <ThemeToggle />
          {user ? (
            <>
              <div className="flex min-w-0 items-center gap-2">
                <span className="hidden truncate font-medium sm:inline" title={user.name}>
                  {user.name}
                </span>
                <Link href="/settings/account" className="min-w-0 max-w-[8rem] truncate text-muted-foreground hover:underline sm:max-w-xs" title={t("yourAccount", { email: user.email })}>
                  {user.email}
                </Link>
                <Badge variant={ROLE_VARIANT[user.role] ?? "outline"} title={t("roleTitle", { role })}>
                  <span className="sr-only">{t("rolePrefix")} </span>
                  {role}
                </Badge>
              </div>
              <SignOutButton />
            </>
          ) : (
            <Link href="/login" className="text-sm font-medium text-primary hover:underline">
              {t("signIn")}
            </Link>
          )}
        </div>
      </header>
      <div className="flex min-h-0 flex-1 flex-col md:flex-row">
        <aside className="shrink-0 border-b border-border bg-card p-2 md:w-48 md:border-b-0 md:border-r">
          <NavLinks className="md:sticky md:top-13" />
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 p-4 focus:outline-none">
          {children}
        </main>
      </div>
    </div>
  );
}
