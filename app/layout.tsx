import type { Metadata } from "next";
import "./globals.css";
import { NuqsAdapter } from "nuqs/adapters/next/app";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { Providers } from "@/components/providers";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("meta");
  // "k2ops" is the product name: the same in every language
  return { title: { default: "k2ops", template: "%s · k2ops" }, description: t("description") };
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // the language of this request (i18n/request.ts: the user's choice, the cookie, the browser)
  const locale = await getLocale();
  return (
    <html lang={locale} suppressHydrationWarning>
      <body className="min-h-screen bg-background text-foreground antialiased">
        {/* the catalogs are small: the provider passes the request's locale, zone and all its messages to client components */}
        <NextIntlClientProvider>
          {/* URL state (nuqs) for client components, e.g. the Metering page's sort and range */}
          <NuqsAdapter>
            <Providers>{children}</Providers>
          </NuqsAdapter>
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
