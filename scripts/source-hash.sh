#!/usr/bin/env bash
# Prints one hash of everything `next build` reads (by content, not timestamps):
# start.sh rebuilds only when it changes. Run from the repository root.
set -euo pipefail
{
  for d in app components lib public; do if [ -d "$d" ]; then find "$d" -type f; fi; done
  for f in next.config.ts tsconfig.json postcss.config.mjs instrumentation.ts package-lock.json; do if [ -f "$f" ]; then echo "$f"; fi; done
} \
  | grep -v -E '\.test\.ts$' | LC_ALL=C sort | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
