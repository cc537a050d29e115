"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

/** Cancels a running report job (operators): nodes not yet read are not contacted; the report then shows them as unknown. */
export function CancelReport({ jobId, cancel }: { jobId: string; cancel: (input: { jobId: string }) => Promise<Res> }) {
  const router = useRouter();
  const t = useTranslations("reports.cancel");
  const [busy, setBusy] = React.useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      loading={busy}
      onClick={async () => {
        setBusy(true);
        try {
          const r = await cancel({ jobId });
          if (!r.ok) toast.error(r.error.message);
          else toast.success(t("done"));
          router.refresh();
        } finally {
          setBusy(false);
        }
      }}
    >
      {t("label")}
    </Button>
  );
}
