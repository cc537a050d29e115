import { PageHeader } from "@/components/shell/page-header";
import { NotYet } from "@/components/shell/not-yet";

export const metadata = { title: "Metering" };

export default function Page() {
  return (
    <>
      <PageHeader title="Metering" description="Quota used per node and billing cycle, cutoff state, usage history k2ops records itself." />
      <NotYet what="Quota gauges, metering charts and cutoff controls" issue="the metering issue" />
    </>
  );
}
