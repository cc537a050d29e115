import type { Metadata } from "next";
import "./globals.css";
import { NuqsAdapter } from "nuqs/adapters/next/app";
import { Providers } from "@/components/providers";

export const metadata: Metadata = {
  title: { default: "k2ops", template: "%s · k2ops" },
  description: "Control plane for the Kaitu k2s node fleet",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen bg-background text-foreground antialiased">
        {/* URL state (nuqs) for client components, e.g. the Metering page's sort and range */}
        <NuqsAdapter>
          <Providers>{children}</Providers>
        </NuqsAdapter>
      </body>
    </html>
  );
}
