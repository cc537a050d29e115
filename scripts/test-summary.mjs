// Sums the JSON reports of vitest and Playwright into one closing line.
import fs from "node:fs";
import path from "node:path";

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  if (typeof r.numPassedTests === "number") {
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (r.stats) {
    passed += (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected ?? 0;
    skipped += r.stats.skipped ?? 0;
  }
}
if (failedSteps.length) console.log(`failed steps: ${failedSteps.join(", ")}`);
// a failed step without a test report (typecheck, lint, build) still counts as a failure
const stepOnlyFailures = failedSteps.filter((s) => ["typecheck", "lint", "build"].includes(s)).length;
console.log(`${passed} passed, ${failed + stepOnlyFailures} failed, ${skipped} skipped`);
