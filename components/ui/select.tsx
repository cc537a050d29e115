"use client";

import * as React from "react";
import * as SelectPrimitive from "@radix-ui/react-select";
import { cn } from "@/lib/utils";
import { CheckIcon, ChevronDownIcon } from "./icons";

/**
 * Select on Radix Select (shadcn/ui style): the trigger is a role="combobox" button named by its
 * aria-label or a <label htmlFor> pointing at its id; arrow keys, typeahead, Home/End, Escape
 * closes and focus returns to the trigger. Inside a <form> and given `name`, Radix submits the
 * value through a hidden native <select>.
 *
 * Radix refuses an item whose value is "": an option that means "any" / "not set" gets a sentinel
 * item value, passed as `emptyValue`. The Root then speaks "" at its boundary (value, defaultValue,
 * onValueChange and what a native form submits), so callers and servers see what a native
 * <select> gave them.
 */
export type SelectProps = React.ComponentProps<typeof SelectPrimitive.Root> & { emptyValue?: string };

export function Select({ emptyValue, value, defaultValue, onValueChange, name, disabled, form, ...props }: SelectProps) {
  const toItem = (v: string | undefined) => (emptyValue !== undefined && v === "" ? emptyValue : v);
  const fromItem = (v: string) => (emptyValue !== undefined && v === emptyValue ? "" : v);
  // the current value, only needed to submit "" in place of the sentinel
  const [own, setOwn] = React.useState(defaultValue ?? "");
  const current = value ?? own;
  const mapped = emptyValue !== undefined && name !== undefined;
  return (
    <>
      <SelectPrimitive.Root
        value={toItem(value)}
        defaultValue={toItem(defaultValue)}
        onValueChange={(v) => {
          setOwn(fromItem(v));
          onValueChange?.(fromItem(v));
        }}
        // with a sentinel, the hidden input below is what the form submits
        name={mapped ? undefined : name}
        disabled={disabled}
        form={form}
        {...props}
      />
      {mapped ? <input type="hidden" name={name} value={current} disabled={disabled} form={form} /> : null}
    </>
  );
}

export const SelectGroup = SelectPrimitive.Group;

export function SelectValue(props: React.ComponentProps<typeof SelectPrimitive.Value>) {
  return <SelectPrimitive.Value data-slot="select-value" {...props} />;
}

export function SelectTrigger({ className, children, ...props }: React.ComponentProps<typeof SelectPrimitive.Trigger>) {
  return (
    <SelectPrimitive.Trigger
      data-slot="select-trigger"
      className={cn(
        "flex h-8 w-full items-center justify-between gap-2 rounded-md border border-input bg-background pl-2.5 pr-2 text-left text-sm whitespace-nowrap focus-visible:border-ring aria-[invalid=true]:border-destructive disabled:cursor-not-allowed disabled:opacity-50 data-[placeholder]:text-muted-foreground [&>span]:truncate",
        className,
      )}
      {...props}
    >
      {children}
      <SelectPrimitive.Icon asChild>
        <ChevronDownIcon size={14} className="shrink-0 text-muted-foreground" />
      </SelectPrimitive.Icon>
    </SelectPrimitive.Trigger>
  );
}

function SelectScrollUpButton({ className, ...props }: React.ComponentProps<typeof SelectPrimitive.ScrollUpButton>) {
  return (
    <SelectPrimitive.ScrollUpButton data-slot="select-scroll-up-button" className={cn("flex cursor-default items-center justify-center py-1 text-muted-foreground", className)} {...props}>
      <ChevronDownIcon size={14} className="rotate-180" />
    </SelectPrimitive.ScrollUpButton>
  );
}

function SelectScrollDownButton({ className, ...props }: React.ComponentProps<typeof SelectPrimitive.ScrollDownButton>) {
  return (
    <SelectPrimitive.ScrollDownButton data-slot="select-scroll-down-button" className={cn("flex cursor-default items-center justify-center py-1 text-muted-foreground", className)} {...props}>
      <ChevronDownIcon size={14} />
    </SelectPrimitive.ScrollDownButton>
  );
}

export function SelectContent({ className, children, position = "popper", sideOffset = 4, ...props }: React.ComponentProps<typeof SelectPrimitive.Content>) {
  return (
    <SelectPrimitive.Portal>
      <SelectPrimitive.Content
        data-slot="select-content"
        position={position}
        sideOffset={position === "popper" ? sideOffset : undefined}
        className={cn(
          "relative z-50 max-h-(--radix-select-content-available-height) min-w-32 overflow-hidden rounded-md border border-border bg-popover text-sm text-popover-foreground shadow-md",
          className,
        )}
        {...props}
      >
        <SelectScrollUpButton />
        <SelectPrimitive.Viewport className={cn("p-1", position === "popper" && "w-full min-w-(--radix-select-trigger-width) scroll-my-1")}>{children}</SelectPrimitive.Viewport>
        <SelectScrollDownButton />
      </SelectPrimitive.Content>
    </SelectPrimitive.Portal>
  );
}

export function SelectLabel({ className, ...props }: React.ComponentProps<typeof SelectPrimitive.Label>) {
  return <SelectPrimitive.Label data-slot="select-label" className={cn("px-2 py-1.5 text-xs font-medium text-muted-foreground", className)} {...props} />;
}

export function SelectItem({ className, children, ...props }: React.ComponentProps<typeof SelectPrimitive.Item>) {
  return (
    <SelectPrimitive.Item
      data-slot="select-item"
      className={cn(
        "relative flex w-full cursor-default select-none items-center rounded-sm py-1.5 pl-2 pr-7 outline-none data-[disabled]:pointer-events-none data-[highlighted]:bg-muted data-[highlighted]:text-foreground data-[disabled]:opacity-50",
        className,
      )}
      {...props}
    >
      <span className="absolute right-2 inline-flex size-3.5 items-center justify-center">
        <SelectPrimitive.ItemIndicator>
          <CheckIcon size={14} />
        </SelectPrimitive.ItemIndicator>
      </span>
      <SelectPrimitive.ItemText>{children}</SelectPrimitive.ItemText>
    </SelectPrimitive.Item>
  );
}

export function SelectSeparator({ className, ...props }: React.ComponentProps<typeof SelectPrimitive.Separator>) {
  return <SelectPrimitive.Separator data-slot="select-separator" className={cn("-mx-1 my-1 h-px bg-border", className)} {...props} />;
}
