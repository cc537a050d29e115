import { PageHeader } from "@/components/shell/page-header";
import { NotYet } from "@/components/shell/not-yet";

export const metadata = { title: "Provisioning" };

export default function Page() {
  return (
    <>
      <PageHeader title="Provisioning" description="Center work items for new private nodes: claim, create VPS, prepare, deploy, verify." />
      <NotYet what="The provisioning work-item wizard" issue="the provisioning issue" />
    </>
  );
}
