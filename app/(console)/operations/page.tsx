import { PageHeader } from "@/components/shell/page-header";
import { NotYet } from "@/components/shell/not-yet";

export const metadata = { title: "Operations" };

export default function Page() {
  return (
    <>
      <PageHeader title="Operations" description="Fleet-wide jobs: verification runs and rolling updates, with live progress." />
      <NotYet what="Fleet jobs (verify all, rolling pull + up -d updates, compose/auto-update pushes)" issue="the fleet operations issue" />
    </>
  );
}
