// Sums the JSON reports of vitest and Playwright into one closing line.
// Arguments: REPORT_DIR then one "step name|report.json" per failed step.
import fs from "node:fs";
import path from "node:path";

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const failuresIn = new Map();
// the failed tests by name, with the first line of their error (CI shows only
// the end of the output: a failure must be findable there)
const failedTests = [];
const firstLine = (m) => String(m ?? "").replace(/\u001b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim()) ?? "";
function playwrightFailures(suite, file) {
  for (const spec of suite.specs ?? []) {
    for (const t of spec.tests ?? []) {
      if (t.status === "unexpected") failedTests.push(`${spec.file ?? file}: ${spec.title} — ${firstLine(t.results?.at(-1)?.error?.message)}`);
    }
  }
  for (const s of suite.suites ?? []) playwrightFailures(s, suite.file ?? file);
}
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  let r;
  try {
    r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  } catch {
    continue;
  }
  let p = 0, x = 0, s = 0;
  if (typeof r.numPassedTests === "number") {
    p = r.numPassedTests;
    x = r.numFailedTests;
    s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (r.stats) {
    p = (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    x = r.stats.unexpected ?? 0;
    s = r.stats.skipped ?? 0;
  }
  passed += p;
  failed += x;
  skipped += s;
  failuresIn.set(f, x);
  for (const file of r.testResults ?? []) {
    for (const a of file.assertionResults ?? []) {
      if (a.status === "failed") failedTests.push(`${path.relative(process.cwd(), file.name)}: ${a.fullName} — ${firstLine(a.failureMessages?.[0])}`);
    }
    // a file that failed before its tests ran (import error, beforeAll timeout)
    if (file.status === "failed" && !(file.assertionResults ?? []).some((a) => a.status === "failed")) failedTests.push(`${path.relative(process.cwd(), file.name)}: ${firstLine(file.message)}`);
  }
  for (const suite of r.suites ?? []) playwrightFailures(suite, suite.file);
}
const names = [];
for (const entry of failedSteps) {
  const [name, report] = entry.split("|");
  names.push(name);
  // a failed step whose report shows no failed test (typecheck, lint, build, a
  // crashed runner) still counts as one failure
  if (!report || !failuresIn.get(report)) failed += 1;
}
if (failedTests.length) {
  console.log("failed tests:");
  for (const t of failedTests) console.log(`  ✗ ${t.slice(0, 400)}`);
}
if (names.length) console.log(`failed steps: ${names.join(", ")}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
