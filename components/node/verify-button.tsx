"use client";

import { useEffect, useRef, useTransition } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useQueryState } from "nuqs";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { NODE_OP_PARAM } from "@/components/command/commands";

type Res = { ok: true; data: { status: string; failingChecks?: string[]; error?: string } } | { ok: false; error: { message: string } };

export function VerifyButton({ ipv4, verify }: { ipv4: string; verify: (input: unknown) => Promise<Res> }) {
  const [pending, start] = useTransition();
  const router = useRouter();
  const t = useTranslations("node.verify");
  // command palette (issue 16): ?op=verify brings this button into view and focuses it; it does
  // not run the checklist (Enter or a click does), then clears ?op
  const [op, setOp] = useQueryState(NODE_OP_PARAM);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (op !== "verify") return;
    button.current?.scrollIntoView({ block: "center" });
    button.current?.focus();
    void setOp(null);
  }, [op, setOp]);
  return (
    <Button
      ref={button}
      disabled={pending}
      onClick={() =>
        start(async () => {
          const res = await verify({ ipv4 });
          if (!res.ok) toast.error(res.error.message);
          else if (res.data.status === "pass") toast.success(t("passed"));
          else if (res.data.status === "fail") toast.warning(t("failed", { checks: res.data.failingChecks?.join(", ") ?? "" }));
          else if (res.data.status === "unknown") toast.warning(t("incomplete"));
          else toast.error(t("error", { error: res.data.error ?? "" }));
          router.refresh();
        })
      }
    >
      {pending ? t("verifying") : t("verify")}
    </Button>
  );
}
