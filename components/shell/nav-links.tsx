"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { cn } from "@/lib/utils";
import { ActivityIcon, BookOpenIcon, FileTextIcon, GaugeIcon, PackagePlusIcon, ScrollIcon, ServerIcon, SettingsIcon, type IconProps } from "@/components/ui/icons";

/** `label` is the link's key in the "nav" namespace of the catalogs (messages/*.json). */
type NavLabel = "fleet" | "operations" | "metering" | "provisioning" | "deviceLogs" | "audit" | "runbook" | "settings";
type NavLink = { href: string; label: NavLabel; Icon: React.ComponentType<IconProps>; also?: string[] };

export const NAV_LINKS: NavLink[] = [
  { href: "/", label: "fleet", Icon: ServerIcon, also: ["/nodes"] },
  { href: "/operations", label: "operations", Icon: ActivityIcon },
  { href: "/metering", label: "metering", Icon: GaugeIcon },
  { href: "/provisioning", label: "provisioning", Icon: PackagePlusIcon },
  { href: "/device-logs", label: "deviceLogs", Icon: FileTextIcon },
  { href: "/audit", label: "audit", Icon: ScrollIcon },
  { href: "/runbook", label: "runbook", Icon: BookOpenIcon },
  { href: "/settings", label: "settings", Icon: SettingsIcon },
];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + "/");

export function isActive(path: string, link: NavLink) {
  if (link.href === "/") return path === "/" || (link.also ?? []).some((p) => under(path, p));
  return under(path, link.href) || (link.also ?? []).some((p) => under(path, p));
}

/** Main navigation; the current section is highlighted and marked aria-current="page". */
export function NavLinks({ className }: { className?: string }) {
  const path = usePathname() ?? "/";
  const t = useTranslations("nav");
  return (
    <nav aria-label={t("label")} className={className}>
      <ul className="flex gap-0.5 overflow-x-auto md:flex-col md:overflow-visible">
        {NAV_LINKS.map((l) => {
          const active = isActive(path, l);
          return (
            <li key={l.href} className="shrink-0">
              <Link
                href={l.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "flex items-center gap-2 rounded-md px-2.5 py-1.5 text-sm transition-colors hover:bg-muted hover:text-foreground",
                  active ? "bg-muted font-medium text-foreground" : "text-muted-foreground",
                )}
              >
                <l.Icon size={15} className={active ? "text-primary" : undefined} />
                {t(l.label)}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
