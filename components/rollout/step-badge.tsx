import { Badge, type BadgeProps } from "@/components/ui/badge";

// One colour per kind of step, so a glance over a batch says where it stands:
// blue = changing or checking, green = healthy/done, amber = going back,
// red = failed, grey = not (or no longer) running.

const TONE: Record<string, BadgeProps["variant"]> = {
  "": "outline",
  queued: "outline",
  starting: "info",
  "pre-check": "info",
  "re-checking": "info",
  pushing: "info",
  pulling: "info",
  recreating: "info",
  migrating: "info",
  verifying: "info",
  healthy: "success",
  succeeded: "success",
  reverting: "warning",
  "verifying revert": "warning",
  reverted: "warning",
  failed: "destructive",
  skipped: "secondary",
  cancelled: "secondary",
};

export function stepTone(step: string): BadgeProps["variant"] {
  return TONE[step] ?? "info";
}

/** A node's rollout step as a coloured badge (the text carries the meaning; the colour is a hint). */
export function StepBadge({ step, prefix, ...props }: { step: string; prefix?: string } & Omit<BadgeProps, "variant">) {
  const text = step || "queued";
  return (
    <Badge variant={stepTone(text)} data-step={text} {...props}>
      {prefix}
      {text}
    </Badge>
  );
}
