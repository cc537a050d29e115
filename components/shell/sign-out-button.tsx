"use client";

import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { LogOutIcon } from "@/components/ui/icons";

/** Sign-out button (next-auth v4). Client-only part of the top bar. */
export function SignOutButton() {
  return (
    <Button size="sm" variant="outline" onClick={() => signOut({ callbackUrl: "/login?reason=signedout" })}>
      <LogOutIcon size={14} aria-hidden="true" />
      {/* icon only on a phone; the accessible name stays "Sign out" */}
      <span className="sr-only sm:not-sr-only">Sign out</span>
    </Button>
  );
}
