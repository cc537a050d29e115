import type * as React from "react";
import { useTranslations } from "next-intl";

// The cloud instance a lifecycle or change_ip work item names, and the
// warning note those pages show (presentational; server and client pages).

export function InstanceFacts({ instance, address, state, testIdPrefix }: { instance: { name: string; ip_address: string; provider: string; account_name: string; region: string }; address?: string | null; state: string; testIdPrefix: string }) {
  const t = useTranslations("provisioning.instance");
  return (
    <dl className="grid grid-cols-[10rem_1fr] gap-1">
      <dt className="text-muted-foreground">{t("instance")}</dt>
      <dd className="font-mono">{instance.name}</dd>
      <dt className="text-muted-foreground">{t("address")}</dt>
      <dd className="font-mono" data-testid={`${testIdPrefix}-address`}>
        {address ?? instance.ip_address}
      </dd>
      <dt className="text-muted-foreground">{t("provider")}</dt>
      <dd>
        {instance.provider} · {instance.account_name} · {instance.region}
      </dd>
      <dt className="text-muted-foreground">{t("state")}</dt>
      <dd data-testid={`${testIdPrefix}-state`}>{state}</dd>
    </dl>
  );
}

export function WarningNote({ children, testId }: { children: React.ReactNode; testId?: string }) {
  return (
    <p role="alert" className="rounded-md border border-warning/50 bg-warning/10 p-3 text-sm" data-testid={testId}>
      {children}
    </p>
  );
}
