"use client";

import { Toaster as Sonner, type ToasterProps } from "sonner";
import { useTheme } from "next-themes";

/** sonner's Toaster following the app theme. Use `toast` from "sonner" to show one. */
export function Toaster(props: ToasterProps) {
  const { resolvedTheme } = useTheme();
  return (
    <Sonner
      theme={resolvedTheme === "dark" ? "dark" : resolvedTheme === "light" ? "light" : "system"}
      richColors
      closeButton
      position="bottom-right"
      toastOptions={{ className: "text-sm" }}
      {...props}
    />
  );
}

export { toast } from "sonner";
