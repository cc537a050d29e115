import { PageHeader } from "./page-header";
import { NotYet } from "./not-yet";

/** A navigation entry whose feature has not landed yet: says so plainly. */
export function PlannedPage({ title, description, what, issue }: { title: string; description: string; what: string; issue: string }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <NotYet what={what} issue={issue} />
    </>
  );
}
