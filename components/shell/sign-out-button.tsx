"use client";

import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { LogOutIcon } from "@/components/ui/icons";

/** Sign-out button (next-auth v4). Client-only part of the top bar. */
export function SignOutButton() {
  const t = useTranslations("shell");
  return (
    <Button size="sm" variant="outline" onClick={() => signOut({ callbackUrl: "/login?reason=signedout" })}>
      <LogOutIcon size={14} aria-hidden="true" />
      {/* icon only on a phone; the accessible name stays the text */}
      <span className="sr-only sm:not-sr-only">{t("signOut")}</span>
    </Button>
  );
}
