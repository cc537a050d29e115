import pino from "pino";
import { redactError, redactText, redactValue } from "@/lib/redact";

// Structured server logs. Every object and message goes through lib/redact
// before it is serialised, so a secret cannot reach the log stream.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { app: "k2ops" },
  formatters: {
    log(obj) {
      return redactValue(obj);
    },
  },
  serializers: {
    err: (e: unknown) => redactError(e),
    error: (e: unknown) => redactError(e),
  },
  hooks: {
    logMethod(args, method) {
      const redacted = args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>;
      method.apply(this, redacted);
    },
  },
});

export type Logger = typeof logger;
