import * as React from "react";
import { cn } from "@/lib/utils";

/**
 * Dense table primitives. <Table> wraps the <table> in a scroll container; give the table an
 * accessible name with aria-label or a <TableCaption>. Pass `stickyHeader` + a max height on
 * `containerClassName` for long lists.
 */
export const Table = React.forwardRef<
  HTMLTableElement,
  React.TableHTMLAttributes<HTMLTableElement> & { containerClassName?: string; stickyHeader?: boolean }
>(({ className, containerClassName, stickyHeader, ...props }, ref) => (
  <div className={cn("relative w-full overflow-auto rounded-md border border-border", stickyHeader && "[&_thead_th]:sticky [&_thead_th]:top-0 [&_thead_th]:z-10", containerClassName)}>
    <table ref={ref} className={cn("w-full caption-bottom border-collapse text-[13px]", className)} {...props} />
  </div>
));
Table.displayName = "Table";

export function TableHeader({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className={cn("bg-muted/60 [&_tr]:border-b [&_tr]:border-border", className)} {...props} />;
}

export function TableBody({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
}

export function TableFooter({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <tfoot className={cn("border-t border-border bg-muted/40 font-medium", className)} {...props} />;
}

export const TableRow = React.forwardRef<HTMLTableRowElement, React.HTMLAttributes<HTMLTableRowElement>>(({ className, ...props }, ref) => (
  <tr ref={ref} className={cn("border-b border-border transition-colors hover:bg-muted/40 aria-selected:bg-primary/5 data-[state=selected]:bg-primary/5", className)} {...props} />
));
TableRow.displayName = "TableRow";

export function TableHead({ className, scope = "col", ...props }: React.ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope={scope}
      className={cn("h-8 whitespace-nowrap bg-muted/60 px-2 text-left align-middle text-xs font-medium text-muted-foreground [&:has([role=checkbox])]:w-8", className)}
      {...props}
    />
  );
}

export function TableCell({ className, ...props }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn("px-2 py-1.5 align-middle", className)} {...props} />;
}

export function TableCaption({ className, ...props }: React.HTMLAttributes<HTMLTableCaptionElement>) {
  return <caption className={cn("py-2 text-xs text-muted-foreground", className)} {...props} />;
}
