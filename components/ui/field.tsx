import * as React from "react";
import { cn } from "@/lib/utils";
import { Label } from "./label";

/** The id of a field's inline error line unless the field names its own: `err-<id>`. */
export const fieldErrorId = (id: string) => `err-${id}`;

/**
 * What the control inside a `Field` sets so its error is read with it:
 * `aria-invalid` and `aria-describedby` (the error line's id) while there is an
 * error, nothing otherwise. Spread it on the input (or a select's trigger):
 * `<Input id="x" {...register("x")} {...fieldErrorProps(error, fieldErrorId("x"))} />`.
 */
export function fieldErrorProps(error: string | undefined, errorId: string): { "aria-invalid": true | undefined; "aria-describedby": string | undefined } {
  return { "aria-invalid": error ? true : undefined, "aria-describedby": error ? errorId : undefined };
}

/**
 * A labelled form field with its hint and its error inline, as the server's zod
 * schema words it. The error line has the id `errorId` (default `err-<id>`) and
 * the test id `error-<id>`, and is announced when it appears (role=alert). The
 * child control must carry `id` and, while there is an error, `aria-invalid` and
 * `aria-describedby={errorId}`: spread `fieldErrorProps(error, errorId)` on it.
 */
export function Field({
  id,
  label,
  hint,
  error,
  errorId = fieldErrorId(id),
  required,
  className,
  children,
}: {
  id: string;
  label: string;
  hint?: React.ReactNode;
  error?: string;
  errorId?: string;
  /** the label's visual "*" (the control itself carries `required`) */
  required?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div className={cn("space-y-1", className)}>
      <Label htmlFor={id} className="text-foreground" required={required}>
        {label}
      </Label>
      {children}
      {hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
      {error ? (
        <p id={errorId} role="alert" className="text-xs text-destructive" data-testid={`error-${id}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
