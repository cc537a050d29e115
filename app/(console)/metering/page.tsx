import { PlannedPage } from "@/components/shell/planned-page";

export const metadata = { title: "Metering" };

export default function Page() {
  return <PlannedPage title="Metering" description="Quota used per node and billing cycle, cutoff state, usage history k2ops records itself." what="Quota gauges, metering charts and cutoff controls" issue="the metering issue" />;
}
