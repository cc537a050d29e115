import { PageHeader } from "@/components/shell/page-header";
import { NotYet } from "@/components/shell/not-yet";

export const metadata = { title: "Device logs" };

export default function Page() {
  return (
    <>
      <PageHeader title="Device logs" description="Users' uploaded device logs and feedback tickets, with DIAG triage." />
      <NotYet what="Device log search, download and DIAG analysis" issue="the device-logs issue" />
    </>
  );
}
