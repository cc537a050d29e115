import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// next-intl without locale routing: the request's language comes from i18n/request.ts
const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const nextConfig: NextConfig = {
  // server-only packages with native/optional bindings or WebAssembly: load them
  // from node_modules at run time instead of bundling them
  serverExternalPackages: ["ssh2", "cpu-features", "pino", "pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket", "@aws-sdk/client-lightsail"],
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default withNextIntl(nextConfig);
