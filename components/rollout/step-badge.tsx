import { useTranslations } from "next-intl";
import { Badge, type BadgeProps } from "@/components/ui/badge";

// One colour per kind of step, so a glance over a batch says where it stands:
// blue = changing or checking, green = healthy/done, amber = going back,
// red = failed, grey = not (or no longer) running.

const TONE = {
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
} satisfies Record<string, BadgeProps["variant"]>;

/** The steps the catalogs name (jobs.step): every step with a tone. */
type Step = keyof typeof TONE;
const isStep = (s: string): s is Step => Object.hasOwn(TONE, s);

export function stepTone(step: string): BadgeProps["variant"] {
  return isStep(step) ? TONE[step] : step ? "info" : "outline";
}

/** A node's rollout step as a coloured badge (the text carries the meaning; the colour is a hint). */
export function StepBadge({ step, prefix, ...props }: { step: string; prefix?: string } & Omit<BadgeProps, "variant">) {
  const t = useTranslations("jobs.step");
  const text = step || "queued";
  return (
    <Badge variant={stepTone(text)} data-step={text} {...props}>
      {prefix}
      {isStep(text) ? t(text) : text}
    </Badge>
  );
}
