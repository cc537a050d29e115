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
  if (!view)
    return (
      <section aria-label="Traffic quota" data-testid="node-metering" className="rounded-lg border border-dashed border-border p-3 text-sm text-muted-foreground">
        <h2 className="mb-1 text-sm font-semibold text-foreground">Traffic quota</h2>
        k2ops has not read this node&apos;s meter yet: the meter poll reads every node every K2OPS_METER_POLL_MINUTES (default 5).
      </section>
    );
  return <NodeMetering view={view} nowMs={now.getTime()} name={name || ipv4} />;
}
