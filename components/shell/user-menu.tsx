"use client";

import { signOut } from "next-auth/react";
import { useTheme } from "next-themes";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";

export function UserMenu({ user }: { user: { name: string; email: string; role: string } }) {
  const { theme, setTheme } = useTheme();
  return (
    <div className="flex items-center gap-3 text-sm">
      <select aria-label="Theme" className="h-8 rounded-md border border-input bg-background px-1 text-xs" value={theme ?? "system"} onChange={(e) => setTheme(e.target.value)}>
        <option value="system">system</option>
        <option value="light">light</option>
        <option value="dark">dark</option>
      </select>
      <span>{user.email}</span>
      <Badge variant="outline">{user.role}</Badge>
      <Button size="sm" variant="outline" onClick={() => signOut({ callbackUrl: "/login?reason=signedout" })}>
        Sign out
      </Button>
    </div>
  );
}
