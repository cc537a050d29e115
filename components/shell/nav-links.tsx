"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";

const LINKS = [
  { href: "/", label: "Fleet" },
  { href: "/operations", label: "Operations" },
  { href: "/metering", label: "Metering" },
  { href: "/provisioning", label: "Provisioning" },
  { href: "/device-logs", label: "Device logs" },
  { href: "/audit", label: "Audit log" },
  { href: "/settings", label: "Settings" },
];

export function NavLinks() {
  const path = usePathname();
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {LINKS.map((l) => {
        const active = l.href === "/" ? path === "/" || path.startsWith("/nodes") : path.startsWith(l.href);
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? "page" : undefined}
            className={cn("rounded-md px-2.5 py-1.5 text-sm hover:bg-muted", active ? "bg-muted font-medium text-foreground" : "text-muted-foreground")}
          >
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
