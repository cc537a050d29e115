import { PlannedPage } from "@/components/shell/planned-page";

export const metadata = { title: "Device logs" };

export default function Page() {
  return <PlannedPage title="Device logs" description="Users' uploaded device logs and feedback tickets, with DIAG triage." what="Device log search, download and DIAG analysis" issue="the device-logs issue" />;
}
