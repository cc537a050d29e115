import { getTranslations } from "next-intl/server";
import { nodeMeterView } from "@/lib/metering/view";
import { NodeMetering } from "./node-metering";

/**
 * The node page's metering section, mounted with one line
 * (`<NodeMeteringSection ipv4=… name=… />`): one lib call (nodeMeterView), then
 * the presentational NodeMetering. A node whose meter was never polled says so.
 */
export async function NodeMeteringSection({ ipv4, name }: { ipv4: string; name: string }) {
  const now = new Date();
  const view = await nodeMeterView(ipv4, { now });
  if (!view) {
    const t = await getTranslations("metering.node");
    return (
      <section aria-label={t("section")} data-testid="node-metering" className="rounded-lg border border-dashed border-border p-3 text-sm text-muted-foreground">
        <h2 className="mb-1 text-sm font-semibold text-foreground">{t("section")}</h2>
        {t("notRead")}
      </section>
    );
  }
  return <NodeMetering view={view} nowMs={now.getTime()} name={name || ipv4} />;
}
