import { PlannedPage } from "@/components/shell/planned-page";

export const metadata = { title: "Provisioning" };

export default function Page() {
  return <PlannedPage title="Provisioning" description="Center work items for new private nodes: claim, create VPS, prepare, deploy, verify." what="The provisioning work-item wizard" issue="the provisioning issue" />;
}
