// Hard-coded visible text in the given files (or every page and component), as the catalog test
// finds it: `npm run i18n:scan -- components/metering/*.tsx`. Exit code 1 when any is found.
import { hardcodedText, sourceFiles } from "../lib/i18n/scan";

const given = process.argv.slice(2);
// the palette's English search keywords are English on purpose (as in the catalog test)
const files = given.length ? given : [...sourceFiles("app").filter((f) => f.endsWith(".tsx")), ...sourceFiles("components")].filter((f) => f !== "components/command/commands.ts");
let n = 0;
for (const f of files) {
  for (const h of hardcodedText(f)) {
    console.log(`${h.file}:${h.line} [${h.why}] ${h.text}`);
    n++;
  }
}
console.log(`${n} hard-coded text(s) in ${files.length} file(s)`);
process.exit(n ? 1 : 0);
