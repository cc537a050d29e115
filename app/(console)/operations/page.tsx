import { PlannedPage } from "@/components/shell/planned-page";

export const metadata = { title: "Operations" };

export default function Page() {
  return <PlannedPage title="Operations" description="Fleet-wide jobs: verification runs and rolling updates, with live progress." what="Fleet jobs (verify all, rolling pull + up -d updates, compose/auto-update pushes)" issue="the fleet operations issue" />;
}
