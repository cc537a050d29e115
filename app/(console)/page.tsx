import { PageHeader } from "@/components/shell/page-header";
import { NotYet } from "@/components/shell/not-yet";

export const metadata = { title: "Fleet" };

export default function FleetPage() {
  return (
    <>
      <PageHeader title="Fleet" description="Every k2s node: Center's view plus what k2ops learned over SSH." />
      <NotYet what="The fleet table (filters, sort, verification status, bulk verify)" issue="issue #5 (fleet table and verification)" />
    </>
  );
}
